/**
 * A preload's blocks as one CAR stream, from the peer that sent the root over
 * bitswap, when it serves the trustless gateway over libp2p (Pollen's browser
 * nodes do; Kubo does with `Experimental.GatewayOverLibp2p`). Bitswap costs
 * the receiver a wantlist, a message and a second hash per block (Helia's own
 * check of what bitswap already hashed): a Node.js peer took 64 MiB of 1 MiB
 * blocks with about a quarter less CPU as one CAR than over bitswap, and the
 * infra node's CPU is what bounded a browser's preload.
 *
 * The walk still visits every block and asks for what it needs: each visit
 * first waits for the stream to bring the block (or to end), and whatever the
 * stream did not bring (it ended early, stalled, lied or was never served) is
 * fetched over bitswap as before. Blocks the stream stores are held and
 * counted against the walk's ceilings before they are written.
 */
import { fetchCar, type CarFetchResult } from '../lib/car-fetch.ts'
import { PreloadStorageFullError, PreloadTooLargeError, type PreloadHold } from './preload-retention.ts'
import type { PreloadHelia } from './preload.ts'
import type { PeerId } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

export interface PreloadCarInit {
  helia: PreloadHelia
  hold: PreloadHold
  /** The walk's ceiling: the stream stops before it would store more. */
  maxBytes: number
  signal: AbortSignal
}

/** What the stream did, for the preload's log line. */
export interface PreloadCarOutcome {
  peer: string
  blocks: number
  bytes: number
  /** CAR requests made (one over a yamux connection, a window of the file each over others). */
  requests: number
  /** Why the stream ended before the whole DAG (not served, a stall, a wrong block), if it did. */
  error?: string
}

export class PreloadCar {
  /** Resolves when the stream has ended, however it ended; rejects only with a ceiling the walk must stop at. */
  readonly done: Promise<PreloadCarOutcome>
  private readonly stored = new Set<string>()
  private readonly waiting = new Map<string, Array<() => void>>()
  private ended = false

  constructor (init: PreloadCarInit, peer: PeerId, root: CID) {
    this.done = this.run(init, peer, root)
  }

  /** Resolves once the stream stored `cid`, or ended without it. */
  async arrival (cid: CID): Promise<void> {
    const key = cid.toString()
    if (this.ended || this.stored.has(key)) return
    await new Promise<void>(resolve => {
      const waiting = this.waiting.get(key)
      if (waiting == null) this.waiting.set(key, [resolve])
      else waiting.push(resolve)
    })
  }

  private arrived (key: string): void {
    this.stored.add(key)
    for (const resolve of this.waiting.get(key) ?? []) resolve()
    this.waiting.delete(key)
  }

  private async run (init: PreloadCarInit, peer: PeerId, root: CID): Promise<PreloadCarOutcome> {
    const { helia, hold } = init
    const outcome: PreloadCarOutcome = { peer: peer.toString(), blocks: 0, bytes: 0, requests: 0 }
    const blockstore = {
      has: async (cid: CID, options?: { signal?: AbortSignal }) => await helia.blockstore.has(cid, options),
      put: async (cid: CID, bytes: Uint8Array, options?: { signal?: AbortSignal }) => {
        // Held before it is written, so no expiry deletes it under the walk; counted, so no ceiling is passed.
        await hold.hold(cid)
        hold.count(cid, bytes.byteLength)
        await helia.blockstore.put(cid, bytes, options)
        outcome.blocks++
        outcome.bytes += bytes.byteLength
        this.arrived(cid.toString())
        return cid
      }
    }
    try {
      const result: CarFetchResult = await fetchCar({ libp2p: helia.libp2p, blockstore, getHasher: helia.getHasher, getCodec: helia.getCodec }, peer, root, {
        maxBytes: init.maxBytes,
        signal: init.signal,
        onProgress: event => { if (event.type === 'car-fetch:request') outcome.requests++ }
      })
      if (!result.complete) outcome.error = result.reachedMaxBytes ? 'reached the walk\'s ceiling' : 'the stream ended before the whole DAG'
      return outcome
    } catch (err) {
      if (err instanceof PreloadTooLargeError || err instanceof PreloadStorageFullError) throw err
      outcome.error = `${(err as Error).name}: ${(err as Error).message}`
      return outcome
    } finally {
      this.ended = true
      for (const resolvers of this.waiting.values()) for (const resolve of resolvers) resolve()
      this.waiting.clear()
    }
  }
}
