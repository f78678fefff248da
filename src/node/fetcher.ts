/**
 * Fetches a whole DAG into the blockstore, the way a share link is opened:
 * dial the sharer first, then let bitswap ask every connected peer and the
 * providers delegates name, with gateways last (gateway-fallback.ts). Every
 * block is verified against its CID before it is stored (Helia checks the
 * hash; a peer sending other bytes gets a block nobody asked for). Reports
 * bytes and which source sent what, and gives up after the configured time
 * without a new block instead of hanging.
 */
import * as dagPb from '@ipld/dag-pb'
import toBuffer from 'it-to-buffer'
import { peerIdFromCID, peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { CID } from 'multiformats/cid'
import { parseContentPath } from '../lib/content-path.ts'
import { InvalidShareLinkError, TimeoutError } from '../lib/errors.ts'
import { walkInParallel } from '../lib/parallel-walk.ts'
import { retryStalled } from '../lib/retry-stalled.ts'
import { sleep } from '../lib/sleep.ts'
import { isRelayed } from '../lib/transport-name.ts'
import type { BlockSource, FetchArgs, FetchProgress, FetchSummary, SharerDial } from '../lib/protocol.ts'
import type { PollenHelia } from './create-node.ts'
import { explainReadError, type ContentReader } from './content.ts'

/** Blocks requested at once while walking a DAG. */
export const DEFAULT_FETCH_CONCURRENCY = 16
/** How long dialling the sharer may take before the fetch goes on without it. */
export const DEFAULT_SHARER_DIAL_TIMEOUT_MS = 15_000
/** A block that has not arrived by then is wanted again (see src/lib/retry-stalled.ts). */
export const DEFAULT_BLOCK_STALL_MS = 10_000
/** How long the sharer alone may take for one block before every peer is asked too. */
export const DEFAULT_SESSION_PATIENCE_MS = 3000
const PROGRESS_INTERVAL_MS = 200



export interface FetcherInit {
  helia: PollenHelia
  content: ContentReader
  bootstrap: string[]
  fetchTimeoutMs: number
}

interface ProgressEvent { type: string, detail: any }

/** Groups share-link addresses by the peer they name; refuses ones that are not multiaddrs with a peer ID. */
export function sharerAddrs (addrs: string[]): Multiaddr[] {
  return addrs.map(text => {
    let addr: Multiaddr
    try {
      addr = multiaddr(text)
    } catch {
      throw new InvalidShareLinkError(`"${text}" in the link is not a multiaddr`)
    }
    if (addr.getComponents().findLast(c => c.name === 'p2p') == null) throw new InvalidShareLinkError(`"${text}" in the link names no peer`)
    return addr
  })
}

function linksOf (cid: CID, block: Uint8Array): { cids: CID[], size: number } {
  if (cid.code !== dagPb.code) return { cids: [], size: block.byteLength }
  const node = dagPb.decode(block)
  return {
    cids: node.Links.map(link => link.Hash),
    size: block.byteLength + node.Links.reduce((sum, link) => sum + (link.Tsize ?? 0), 0)
  }
}

export class Fetcher {
  constructor (private readonly init: FetcherInit) {}

  async fetch (args: FetchArgs, signal: AbortSignal, onProgress: (progress: FetchProgress) => void): Promise<FetchSummary> {
    const parsed = parseContentPath(args.path)
    const { sharer, sharerAddrs: reachedAddrs } = await this.dialSharer(args.providers ?? [], signal)
    if (sharer != null) onProgress({ type: 'fetch:sharer', sharer })

    const sources = new Map<string, BlockSource>()
    const senders = new Map<string, BlockSource>()
    const foundVia = new Map<string, string>()
    const summary: FetchSummary = { cid: '', bytes: 0, totalBytes: 0, blocks: 0, localBlocks: 0, sources: [], sharer }
    const sharerPeer = sharer?.peer

    // Gives up only when nothing arrives for the whole timeout: a big file may take longer than that in total.
    const idle = new AbortController()
    let idleTimer = setTimeout(() => { idle.abort() }, this.init.fetchTimeoutMs)
    const stillAlive = (): void => {
      clearTimeout(idleTimer)
      idleTimer = setTimeout(() => { idle.abort() }, this.init.fetchTimeoutMs)
    }
    const walkSignal = AbortSignal.any([signal, idle.signal])
    let lastReport = 0
    const report = (force = false): void => {
      const now = Date.now()
      if (!force && now - lastReport < PROGRESS_INTERVAL_MS) return
      lastReport = now
      summary.sources = [...sources.values()]
      onProgress({ type: 'fetch:progress', bytes: summary.bytes, totalBytes: summary.totalBytes, blocks: summary.blocks, sources: summary.sources })
    }

    // Peers a bitswap session asks; its blocks arrive without naming the sender.
    const sessionPeers = new Set<string>()
    const onBlockEvent = (event: ProgressEvent): void => {
      if (event.type === 'helia:routing:find-providers:provider') {
        const id = event.detail.provider.id.toString()
        foundVia.set(id, event.detail.router)
        const known = sources.get(id)
        if (known != null) known.foundVia ??= event.detail.router
      } else if (event.type === 'bitswap:found-provider') {
        sessionPeers.add(event.detail.provider.id.toString())
      } else if (event.type === 'helia:block-broker:receive-block') {
        senders.set(event.detail.cid.toString(), this.source(event.detail.broker, event.detail.provider, sources, sharerPeer, foundVia))
      }
    }

    // With the sharer connected, a session asks it alone first; only blocks it
    // lacks send the session to the delegates' providers (and gateways last).
    let session: ReturnType<PollenHelia['blockstore']['createSession']> | undefined

    const fetchBlock = async (cid: CID, onProgress: (event: ProgressEvent) => void): Promise<Uint8Array> => {
      const anyone = async (signal: AbortSignal): Promise<Uint8Array> => await retryStalled(
        async attemptSignal => await toBuffer(this.init.helia.blockstore.get(cid, { signal: attemptSignal, onProgress })),
        { stallMs: DEFAULT_BLOCK_STALL_MS, signal })
      if (session == null) return await anyone(walkSignal)
      // A sharer that stays silent (or sends bytes that match nothing) must
      // not hold the block up: after a while every peer is asked as well.
      const race = new AbortController()
      const signal = AbortSignal.any([walkSignal, race.signal])
      const current = session
      try {
        return await Promise.any([
          toBuffer(current.get(cid, { signal, onProgress })),
          sleep(DEFAULT_SESSION_PATIENCE_MS, signal).then(async () => await anyone(signal))
        ])
      } catch (err) {
        throw (err as AggregateError).errors?.[0] ?? err
      } finally {
        race.abort()
      }
    }

    const getBlock = async (cid: CID): Promise<Uint8Array> => {
      // Helia reports a block it already holds; asking the store first would read the index twice.
      // A block one path (session or everyone) asked the network for and the other then found
      // stored came over the network all the same.
      let foundStored = false
      let asked = false
      const block = await fetchBlock(cid, event => {
        if (event.type === 'blocks:get:blockstore:get') foundStored = true
        else asked = true
        onBlockEvent(event)
      })
      const local = foundStored && !asked
      if (!local && !senders.has(cid.toString()) && sessionPeers.size > 0) {
        // Bitswap names the sender and gateways name themselves, except in a session:
        // a block that came unnamed came from the session's peers.
        const peers = [...sessionPeers]
        senders.set(cid.toString(), this.source('bitswap', peerIdFromString(peers[0]).toCID(), sources, sharerPeer, foundVia, peers.length > 1 ? peers : undefined))
      }
      stillAlive()
      summary.blocks++
      summary.bytes += block.byteLength
      if (local) {
        summary.localBlocks++
      } else {
        const source = senders.get(cid.toString())
        if (source != null) { source.blocks++; source.bytes += block.byteLength }
      }
      report()
      return block
    }

    try {
      const target = parsed.segments.length === 0
        ? parsed.cid
        : CID.parse((await this.init.content.stat(args.path, walkSignal, { onProgress: onBlockEvent })).cid)
      summary.cid = target.toString()
      if (reachedAddrs != null) session = this.init.helia.blockstore.createSession(target, { providers: [reachedAddrs], signal: walkSignal })
      await walkInParallel([target], async cid => {
        const links = linksOf(cid, await getBlock(cid))
        // The root's links carry the size of everything under them.
        if (cid.equals(target)) summary.totalBytes = links.size
        return links.cids
      }, { concurrency: DEFAULT_FETCH_CONCURRENCY, key: String, signal: walkSignal })
    } catch (err) {
      if (signal.aborted) throw err
      if (idle.signal.aborted) throw this.timeoutError(args.path, summary, sharer)
      throw explainReadError(err, args.path, walkSignal, this.init.fetchTimeoutMs)
    } finally {
      clearTimeout(idleTimer)
      session?.close()
    }
    summary.totalBytes = Math.max(summary.totalBytes, summary.bytes)
    report(true)
    return summary
  }

  private source (broker: string, provider: CID, sources: Map<string, BlockSource>, sharerPeer: string | undefined, foundVia: Map<string, string>, among?: string[]): BlockSource {
    let id: string
    let source: BlockSource
    if (broker === 'trustless-gateway') {
      id = new TextDecoder().decode(provider.multihash.digest)
      source = { kind: 'gateway', id, role: 'gateway', blocks: 0, bytes: 0 }
    } else {
      id = peerIdFromCID(provider).toString()
      const conns = this.init.helia.libp2p.getConnections(peerIdFromCID(provider))
      const relayed = conns.length > 0 && conns.every(isRelayed)
      const role = id === sharerPeer
        ? 'sharer'
        : this.init.bootstrap.some(addr => addr.endsWith(`/p2p/${id}`)) ? 'bootstrap' : 'provider'
      source = { kind: 'peer', id, role, relayed, foundVia: foundVia.get(id), blocks: 0, bytes: 0 }
      if (among != null) { source.id = id = `one of ${among.join(', ')}`; source.role = 'provider' }
    }
    const known = sources.get(id)
    if (known != null) return known
    sources.set(id, source)
    return source
  }

  private async dialSharer (addrs: string[], signal: AbortSignal): Promise<{ sharer?: SharerDial, sharerAddrs?: Multiaddr[] }> {
    if (addrs.length === 0) return {}
    const parsed = sharerAddrs(addrs)
    const peer = parsed[0].getComponents().findLast(c => c.name === 'p2p')!.value!
    const mine = parsed.filter(addr => addr.getComponents().findLast(c => c.name === 'p2p')?.value === peer)
    if (peer === this.init.helia.libp2p.peerId.toString()) return { sharer: { peer, reached: false, error: 'that is this browser: the content is local' } }
    // A direct WebRTC connection first (signalled through the relay), when the
    // link offers one; the relayed connection alone when that fails.
    const direct = mine.filter(addr => addr.getComponents().some(c => c.name === 'webrtc'))
    const attempts = direct.length > 0 && direct.length < mine.length ? [direct, mine] : [mine]
    const errors: unknown[] = []
    for (const candidates of attempts) {
      try {
        const conn = await this.init.helia.libp2p.dial(candidates, { signal: AbortSignal.any([signal, AbortSignal.timeout(DEFAULT_SHARER_DIAL_TIMEOUT_MS)]) })
        const relayed = isRelayed(conn)
        const directError = relayed && errors.length > 0 ? (errors[0] as Error).message : undefined
        return { sharer: { peer, reached: true, addr: conn.remoteAddr.toString(), relayed, directError }, sharerAddrs: mine }
      } catch (err) {
        signal.throwIfAborted()
        errors.push(err)
      }
    }
    const lastError = errors.at(-1)
    return { sharer: { peer, reached: false, error: (lastError as Error).message } }
  }

  private timeoutError (path: string, summary: FetchSummary, sharer: SharerDial | undefined): TimeoutError {
    const seconds = Math.round(this.init.fetchTimeoutMs / 1000)
    const tried = [
      sharer == null ? undefined : sharer.reached ? 'the sharer (connected, but it did not send the blocks)' : `the sharer (unreachable: ${sharer.error ?? 'no answer'})`,
      `${this.init.helia.libp2p.getConnections().length} connected peer(s)`,
      'providers named by the delegate routers',
      'the trustless gateways'
    ].filter(Boolean).join(', ')
    const got = summary.blocks > 0 ? ` after ${summary.blocks} block(s)` : ''
    return new TimeoutError(`${path} did not arrive: nothing came for ${seconds} s${got}. Tried ${tried}. The content may be offline; try again when its sharer is online, or raise the timeout in Settings.`)
  }
}
