/**
 * Fetches a whole DAG from one peer as a single CAR stream over HTTP over
 * libp2p (the trustless gateway a Pollen node serves, car-server.ts, or
 * Kubo's `Experimental.GatewayOverLibp2p`), instead of asking for it block by
 * block.
 *
 * Nothing the peer sends is trusted: each block is hashed with its CID's own
 * hash function and must match, and must be one the DAG asked for so far
 * (the root, then the links of blocks already accepted), so a peer can
 * neither forge bytes nor fill this node with blocks nobody wanted. Either
 * lie ends the stream with WrongBlockError. Accepted blocks are stored as
 * they arrive, a few puts in flight at once; whatever the stream did not
 * bring (it ended early, stalled or stopped at `maxBytes`) is the caller's to
 * fetch some other way.
 */
import { HTTP_PROTOCOL, WELL_KNOWN_PROTOCOLS_PATH } from '@libp2p/http'
import { fetch } from '@libp2p/http-fetch'
import { asyncIterableReader, createDecoder } from '@ipld/car/decoder'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { base36 } from 'multiformats/bases/base36'
import { createUnsafe } from 'multiformats/block'
import { equals } from 'multiformats/bytes'
import * as raw from 'multiformats/codecs/raw'
import { identity } from 'multiformats/hashes/identity'
import { CustomProgressEvent, type ProgressEvent, type ProgressOptions } from 'progress-events'
import { TimeoutError } from './errors.ts'
import { CAR_TYPE, GATEWAY_PROTOCOL } from './trustless-request.ts'
import type { CodecLoader, HasherLoader } from '@helia/interface'
import type { AbortOptions, Connection, Libp2p, PeerId } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

/** The largest block accepted (the trustless gateway spec's Block Limits, as bitswap's); a larger length ends the stream before it is read. */
export const DEFAULT_MAX_BLOCK_BYTES = 2 * 1024 * 1024
/** A stream that brings no byte for this long is given up. */
export const DEFAULT_CAR_STALL_MS = 10_000
/** Blocks being stored at once (the blockstore commits puts that arrive together in one transaction). */
export const DEFAULT_PUTS_IN_FLIGHT = 16
/**
 * What a stream may hold while this side waits for its blockstore: the body
 * pauses the stream when its reader lags, but the sender may still send what
 * the muxer's window allowed (yamux grows it to 16 MiB), and libp2p's default
 * (4 MiB) would reset the stream for it.
 */
export const DEFAULT_MAX_BUFFERED_BYTES = 20 * 1024 * 1024
/**
 * Over WebRTC a file comes in CARs of this many of its bytes (`entity-bytes`),
 * one after the other: a WebRTC stream cannot tell its sender to pause (a data
 * channel has no flow control its reader controls), so a whole DAG in one
 * answer outruns a receiver whose store is slower than the link until the
 * stream's buffer overflows and it is reset. An answer of this size always
 * fits the buffer, as bitswap's want window bounds what is on its way. Over
 * yamux connections the DAG comes as one CAR (`pacesSender`).
 */
export const DEFAULT_CAR_WINDOW_BYTES = 8 * 1024 * 1024
/** The muxer whose window makes a sender wait for its reader. */
const YAMUX_PROTOCOL = '/yamux/1.0.0'
/** The longest `/.well-known/libp2p/protocols` answer read. */
const MAX_PROTOCOL_MAP_BYTES = 64 * 1024

/** The peer does not serve the trustless gateway over libp2p, or refused this request. */
export class CarNotServedError extends Error {
  static name = 'CarNotServedError'
  name = 'CarNotServedError'
}

/** The peer sent a block whose bytes do not match its CID, or one the DAG does not hold. */
export class WrongBlockError extends Error {
  static name = 'WrongBlockError'
  name = 'WrongBlockError'
}

export interface CarFetchComponents {
  libp2p: Pick<Libp2p, 'getConnections'>
  blockstore: Pick<Blockstore, 'put' | 'has'>
  getHasher: HasherLoader
  getCodec: CodecLoader
}

export type CarFetchProgressEvents =
  | ProgressEvent<'car-fetch:request', { peer: PeerId, path: string }>
  /** A block verified and stored (one that was here already is not reported). */
  | ProgressEvent<'car-fetch:block', { cid: CID, bytes: Uint8Array }>

export interface CarFetchOptions extends AbortOptions, ProgressOptions<CarFetchProgressEvents> {
  /** Stops before storing a block that would take the bytes stored past this. */
  maxBytes?: number
  stallMs?: number
  maxBlockBytes?: number
}

export interface CarFetchResult {
  /** Blocks and bytes stored (blocks that were here already not counted). */
  blocks: number
  bytes: number
  /** Whether every block of the DAG arrived (or was here already). */
  complete: boolean
  /** Whether it stopped because the next block would have gone past `maxBytes`. */
  reachedMaxBytes: boolean
}

/** The size of the file a root block heads (a UnixFS file, or a raw block), undefined for anything else. */
function unixfsFileSize (cid: CID, bytes: Uint8Array): number | undefined {
  if (cid.code === raw.code) return bytes.byteLength
  if (cid.code !== dagPb.code) return undefined
  try {
    const data = dagPb.decode(bytes).Data
    if (data == null) return undefined
    const unixfs = UnixFS.unmarshal(data)
    return unixfs.type === 'file' || unixfs.type === 'raw' ? Number(unixfs.fileSize()) : undefined
  } catch {
    return undefined
  }
}

/** One HTTP request on a new stream of `connection`; the stream is reset when `signal` aborts. */
async function request (connection: Connection, path: string, accept: string, signal: AbortSignal): Promise<Response> {
  let stream
  try {
    stream = await connection.newStream(HTTP_PROTOCOL, { signal })
  } catch (err) {
    // Negotiating the protocol is the one sure test: the peer store may not have heard from identify yet,
    // or hold an earlier connection's answer, and asking identify again races the identify libp2p runs itself.
    if ((err as Error).name === 'UnsupportedProtocolError') throw new CarNotServedError(`${connection.remotePeer} does not speak ${HTTP_PROTOCOL}`)
    throw err
  }
  stream.maxReadBufferLength = Math.max(stream.maxReadBufferLength, DEFAULT_MAX_BUFFERED_BYTES)
  signal.addEventListener('abort', () => { stream.abort(signal.reason) }, { once: true })
  // The peer's ID names the host, as @libp2p/http does.
  const host = connection.remotePeer.toCID().toString(base36)
  return await fetch(stream, new URL(`http://${host}${path}`), { headers: { accept }, signal })
}

async function * chunks (body: ReadableStream<Uint8Array>, onChunk: () => void): AsyncGenerator<Uint8Array> {
  const reader = body.getReader()
  try {
    for (let next = await reader.read(); next.done !== true; next = await reader.read()) {
      onChunk()
      yield next.value
    }
  } finally {
    reader.releaseLock()
  }
}

/** Where the peer mounts the trustless gateway, from its `/.well-known/libp2p/protocols`. */
async function gatewayPath (connection: Connection, signal: AbortSignal): Promise<string> {
  const response = await request(connection, WELL_KNOWN_PROTOCOLS_PATH, 'application/json', signal)
  if (response.status !== 200 || response.body == null) throw new CarNotServedError(`${connection.remotePeer} lists no HTTP protocols (${response.status})`)
  const parts: Uint8Array[] = []
  let length = 0
  for await (const chunk of chunks(response.body, () => {})) {
    length += chunk.byteLength
    if (length > MAX_PROTOCOL_MAP_BYTES) throw new CarNotServedError(`${connection.remotePeer} sent a protocol list of more than ${MAX_PROTOCOL_MAP_BYTES} bytes`)
    parts.push(chunk)
  }
  const bytes = new Uint8Array(length)
  parts.reduce((offset, part) => { bytes.set(part, offset); return offset + part.byteLength }, 0)
  let path: unknown
  try {
    path = JSON.parse(new TextDecoder().decode(bytes))?.[GATEWAY_PROTOCOL]?.path
  } catch {
    throw new CarNotServedError(`${connection.remotePeer} sent a protocol list that is not JSON`)
  }
  if (typeof path !== 'string' || !path.startsWith('/')) throw new CarNotServedError(`${connection.remotePeer} does not serve ${GATEWAY_PROTOCOL}`)
  return path.endsWith('/') ? path : `${path}/`
}

/** A CAR reader that refuses, before reading them, sections longer than `max` bytes. */
function bounded (reader: ReturnType<typeof asyncIterableReader>, max: number, peer: PeerId): ReturnType<typeof asyncIterableReader> {
  return {
    upTo: async length => await reader.upTo(length),
    exactly: async (length, seek) => {
      if (length > max) throw new WrongBlockError(`${peer} announced a block of ${length} bytes, more than the ${max} accepted`)
      return await reader.exactly(length, seek)
    },
    seek: length => { reader.seek(length) },
    get pos () { return reader.pos }
  }
}

/**
 * Whether the streams of `connection` make a sender wait for a reader that
 * lags, so that a whole DAG may come as one CAR: yamux's (over WebSocket or
 * TCP) do, by the window the reader grants. A WebRTC data channel does not;
 * WebTransport's streams are left to windows too, as their pause is not tried
 * under a lagging store here.
 */
export function pacesSender (connection: Pick<Connection, 'multiplexer'>): boolean {
  return connection.multiplexer === YAMUX_PROTOCOL
}

/**
 * Asks `peer` for the DAG under `cid` as CARs and stores every block that
 * checks out. Over a connection that paces its sender, as one CAR of it all
 * (`dag-scope=all`): each further request of a file in windows cost a round
 * trip and the sender's time to its first byte, 15 % of a 64 MiB preload.
 * Over others, a file in windows of `DEFAULT_CAR_WINDOW_BYTES` of its bytes
 * (`dag-scope=entity&entity-bytes=…`), anything else (a folder) as one CAR
 * of it all once the first answer showed its root. Resolves when the stream ends; rejects
 * with CarNotServedError when the peer does not serve it, WrongBlockError
 * when it lied, TimeoutError when it stalled.
 */
export async function fetchCar (components: CarFetchComponents, peer: PeerId, cid: CID, options: CarFetchOptions = {}): Promise<CarFetchResult> {
  options.signal?.throwIfAborted()
  // A relayed connection carries only what the relay allows: bitswap's business, not a whole DAG's.
  const connection = components.libp2p.getConnections(peer).find(conn => conn.status === 'open' && conn.limits == null)
  if (connection == null) throw new CarNotServedError(`no direct connection to ${peer}`)
  const controller = new AbortController()
  const signal = AbortSignal.any([controller.signal, ...(options.signal == null ? [] : [options.signal])])
  const stallMs = options.stallMs ?? DEFAULT_CAR_STALL_MS
  let stall: ReturnType<typeof setTimeout> | undefined
  const alive = (): void => {
    clearTimeout(stall)
    stall = setTimeout(() => { controller.abort(new TimeoutError(`${peer} sent nothing for ${stallMs / 1000} s`)) }, stallMs)
  }
  const result: CarFetchResult = { blocks: 0, bytes: 0, complete: false, reachedMaxBytes: false }
  const putting = new Set<Promise<void>>()
  let putFailure: unknown
  try {
    alive()
    const base = `${await gatewayPath(connection, signal)}ipfs/${cid}?format=car`
    const wanted = new Set([cid.toString()])
    const accepted = new Set<string>()
    const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY
    let fileSize: number | undefined

    /** Reads one CAR answer, storing the blocks it brings; returns how many were new. */
    const readCar = async (query: string): Promise<number> => {
      const path = `${base}&${query}`
      options.onProgress?.(new CustomProgressEvent('car-fetch:request', { peer, path }))
      const response = await request(connection, path, `${CAR_TYPE}; version=1; order=dfs; dups=n`, signal)
      if (response.status !== 200 || response.body == null || !(response.headers.get('content-type') ?? '').startsWith(CAR_TYPE)) {
        await response.body?.cancel()
        throw new CarNotServedError(`${peer} answered ${response.status} ${response.statusText}`)
      }
      const decoder = createDecoder(bounded(asyncIterableReader(chunks(response.body, alive)), options.maxBlockBytes ?? DEFAULT_MAX_BLOCK_BYTES, peer))
      // The header's roots are not specified by the spec: only the blocks count.
      await decoder.header()
      let fresh = 0
      for await (const block of decoder.blocks()) {
        if (putFailure != null) break
        const key = block.cid.toString()
        // A block sent again (an earlier window's, or dups=y) was checked the first time.
        if (accepted.has(key)) continue
        if (!wanted.has(key)) throw new WrongBlockError(`${peer} sent ${key}, which ${cid}'s DAG does not hold (so far)`)
        if (block.cid.multihash.code !== identity.code) {
          const digest = await (await components.getHasher(block.cid.multihash.code)).digest(block.bytes)
          if (!equals(digest.bytes, block.cid.multihash.bytes)) throw new WrongBlockError(`${peer} sent bytes that do not match ${key}`)
        }
        wanted.delete(key)
        accepted.add(key)
        fresh++
        if (key === cid.toString()) fileSize = unixfsFileSize(block.cid, block.bytes)
        if (block.cid.code !== raw.code) {
          const codec = await components.getCodec(block.cid.code)
          for (const [, link] of createUnsafe({ cid: block.cid, bytes: block.bytes, codec }).links()) {
            if (!accepted.has(link.toString())) wanted.add(link.toString())
          }
        }
        if (block.cid.multihash.code === identity.code || await components.blockstore.has(block.cid, { signal })) continue
        if (result.bytes + block.bytes.byteLength > maxBytes) {
          result.reachedMaxBytes = true
          break
        }
        result.blocks++
        result.bytes += block.bytes.byteLength
        if (putting.size >= DEFAULT_PUTS_IN_FLIGHT) await Promise.race(putting)
        const put: Promise<void> = Promise.resolve(components.blockstore.put(block.cid, block.bytes, { signal })).then(() => {
          // While the store is busy the stream waits: that is no stall of the peer's.
          alive()
          options.onProgress?.(new CustomProgressEvent('car-fetch:block', { cid: block.cid, bytes: block.bytes }))
        }, (err: unknown) => { putFailure ??= err }).finally(() => { putting.delete(put) })
        putting.add(put)
      }
      // Cancelling the rest of an answer we stopped reading resets its stream.
      if (result.reachedMaxBytes || putFailure != null) await response.body.cancel().catch(() => {})
      return fresh
    }

    if (pacesSender(connection)) {
      await readCar('dag-scope=all')
    } else {
      const window = DEFAULT_CAR_WINDOW_BYTES
      await readCar(`dag-scope=entity&entity-bytes=0:${window - 1}`)
      if (fileSize == null) {
        // Not a file (a folder, or a codec with no entity to range over): the rest as one CAR.
        if (wanted.size > 0 && !result.reachedMaxBytes && putFailure == null) await readCar('dag-scope=all')
      } else {
        for (let from = window; from < fileSize && wanted.size > 0 && !result.reachedMaxBytes && putFailure == null; from += window) {
          // A window that brings nothing new would bring nothing more after it.
          if (await readCar(`dag-scope=entity&entity-bytes=${from}:${from + window - 1}`) === 0) break
        }
      }
    }
    await Promise.all(putting)
    if (putFailure != null) throw putFailure
    result.complete = wanted.size === 0
    return result
  } catch (err) {
    await Promise.all(putting)
    // A refused write (a full disk) says more than the stream ended for it; what aborted the stream more than its own error.
    throw putFailure ?? (signal.aborted ? signal.reason : err)
  } finally {
    clearTimeout(stall)
    controller.abort()
  }
}
