/**
 * Two (or more) real Helia nodes with bitswap in this process, over TCP on
 * loopback with noise and yamux, and the faults the bitswap race tests inject:
 * a node's outgoing bitswap streams can be made to fail or stall, the way a
 * stream reset by the muxer or a congested connection does. Nothing of the
 * network is mocked; a fault wraps one real stream.
 */
import './with-resolvers.ts'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { withBitswap } from '@helia/bitswap'
import { withLibp2pLight } from '@helia/libp2p'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { createHeliaLight } from 'helia'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import type { Bitswap, BitswapOptions } from '@helia/bitswap'
import type { Libp2p, Stream } from '@libp2p/interface'
import type { MultihashHasher } from 'multiformats/hashes/interface'

export const BITSWAP_PROTOCOL = '/ipfs/bitswap/1.2.0'

export interface BitswapPeer {
  /** The Helia node itself, for code that finds bitswap there as Pollen does. */
  helia: unknown
  libp2p: Libp2p
  bitswap: Bitswap
  blockstore: MemoryBlockstore
  /** Stores a block here and tells bitswap, as Helia's blockstore does after a put. */
  add: (bytes: Uint8Array) => Promise<CID>
  stop: () => Promise<void>
}

/** `hashers`: Helia's own, as its init takes them (the ones it checks blocks with). */
export async function startBitswapPeer (options: BitswapOptions = {}, init: { hashers?: MultihashHasher[] } = {}): Promise<BitswapPeer> {
  const blockstore = new MemoryBlockstore()
  const helia = withBitswap(withLibp2pLight(createHeliaLight({ blockstore, datastore: new MemoryDatastore(), hashers: init.hashers }), {
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() }
  }), options)
  await helia.start()
  // Helia keeps its block brokers to itself; the tests drive bitswap directly.
  const brokers = (helia as unknown as { blockBrokers: Array<{ name: string, bitswap?: Bitswap }> }).blockBrokers
  const broker = brokers.find(b => b.name === 'bitswap')
  if (broker?.bitswap == null) throw new Error('Helia started without its bitswap block broker')
  const bitswap = broker.bitswap
  return {
    helia,
    libp2p: helia.libp2p,
    bitswap,
    blockstore,
    add: async bytes => {
      const cid = CID.createV1(raw.code, await sha256.digest(bytes))
      await blockstore.put(cid, bytes)
      await bitswap.notify(cid)
      return cid
    },
    stop: async () => { await helia.stop() }
  }
}

/** Dials `b` from `a` and resolves once both ends see each other as bitswap peers. */
export async function connect (a: BitswapPeer, b: BitswapPeer): Promise<void> {
  await a.libp2p.dial(b.libp2p.getMultiaddrs())
  await waitFor(() => a.libp2p.getPeers().some(p => p.equals(b.libp2p.peerId)) && b.libp2p.getPeers().some(p => p.equals(a.libp2p.peerId)), 'the two peers to connect')
}

/** A block of `size` pseudo-random bytes, different for every seed. */
export function blockBytes (seed: number, size = 1024 * 1024): Uint8Array {
  const bytes = new Uint8Array(size)
  let x = (seed + 1) * 2654435761 >>> 0
  for (let i = 0; i < size; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5
    bytes[i] = x & 0xff
  }
  return bytes
}

/** Polls `condition` until it holds; throws after `timeoutMs` naming `what`. */
export async function waitFor (condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 20))
  }
}

export type StreamFault = (stream: Stream) => void

/**
 * Applies `fault` to the next `count` bitswap streams `peer` opens (the ones
 * its messages travel on). Returns the number of streams faulted so far.
 */
export function faultOutgoingStreams (peer: BitswapPeer, fault: StreamFault, count = 1): () => number {
  const dialProtocol = peer.libp2p.dialProtocol.bind(peer.libp2p)
  let faulted = 0
  peer.libp2p.dialProtocol = (async (...args: Parameters<Libp2p['dialProtocol']>) => {
    const stream = await dialProtocol(...args)
    const protocols = [args[1]].flat()
    if (protocols.includes(BITSWAP_PROTOCOL) && faulted < count) {
      faulted++
      fault(stream)
    }
    return stream
  }) as Libp2p['dialProtocol']
  return () => faulted
}

/** The stream's first write fails, as when the muxer reset it under the sender. */
export const failingWrite: StreamFault = stream => {
  stream.send = () => {
    const err = new Error('injected: the stream was reset while writing')
    stream.abort(err)
    throw err
  }
}

/** A stream that holds every write until `release` is called, then passes it on. */
export function heldWrite (): { fault: StreamFault, release: () => void } {
  const { promise: released, resolve: release } = Promise.withResolvers<void>()
  const fault: StreamFault = stream => {
    const send = stream.send.bind(stream)
    stream.send = (data) => {
      void released.then(() => { send(data) })
      return false
    }
    stream.onDrain = async () => { await released }
  }
  return { fault, release }
}

/** The stream takes nothing: its buffer stays full until the sender gives up. */
export const stalledWrite: StreamFault = stream => {
  stream.send = () => false
  stream.onDrain = async (options) => {
    await new Promise((_resolve, reject) => {
      const signal = options?.signal
      if (signal == null) return
      if (signal.aborted) { reject(signal.reason); return }
      signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true })
    })
  }
}

/** A slow link: the stream takes what is written in pieces of `pieceSize` bytes, one every `intervalMs`. */
export function slowWrite (pieceSize: number, intervalMs: number): StreamFault {
  return stream => {
    const send = stream.send.bind(stream)
    const onDrain = stream.onDrain.bind(stream)
    let written = Promise.resolve()
    stream.send = (data) => {
      const bytes = data.subarray()
      written = written.then(async () => {
        for (let offset = 0; offset < bytes.byteLength; offset += pieceSize) {
          await new Promise(resolve => setTimeout(resolve, intervalMs))
          if (!send(bytes.subarray(offset, offset + pieceSize))) await onDrain()
        }
      })
      return false
    }
    stream.onDrain = async () => { await written }
  }
}
