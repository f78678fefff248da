/**
 * The trustless gateway over libp2p streams: any peer may ask this node, over
 * HTTP on the `/http/1.1` protocol (@libp2p/http), for `/ipfs/<cid>` as a raw
 * block or `/ipfs/<cid>[/<path>]` as a CAR with `dag-scope` and
 * `entity-bytes`. It is named `/ipfs/gateway` at `/` in
 * `/.well-known/libp2p/protocols`, as Kubo names its own
 * (`Experimental.GatewayOverLibp2p`).
 *
 * Strictly what this node holds: the walk reads the node's own blockstore,
 * never the network, so no peer can make it fetch on its behalf. A root that
 * is not here is 404; a block missing further down ends the CAR there (the
 * stream is reset, so the reader knows it is incomplete). The CAR is encoded
 * as it is sent (@ipld/car's writer waits for each chunk to be taken, and
 * car-walk.ts reads one block ahead of what was taken).
 *
 * Why not @helia/verified-fetch, which answers `?format=car` too: its CAR
 * comes from @helia/car, whose walkers read ahead without bound (see
 * car-walk.ts) and which drops a block a probabilistic filter mistakes for a
 * duplicate; and it serves deserialized content, IPNS and DNSLink, which a
 * peer could use to make this node fetch. What is left to write is small.
 */
import { http, type HTTP } from '@libp2p/http'
import { Response, responseToStream, streamToRequest, type HeaderInfo } from '@libp2p/http-utils'
import { CarWriter } from '@ipld/car/writer'
import { TimeoutError } from '../lib/errors.ts'
import { CAR_TYPE, GATEWAY_PROTOCOL, RAW_TYPE, parseTrustlessRequest, type CarScope, type TrustlessRequest } from '../lib/trustless-request.ts'
import { isIdentity, read, readAhead, resolvePath, scopeBlocks, type CarBlock, type CarWalkComponents } from './car-walk.ts'
import type { Connection, PeerId, Stream } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

/** Requests one peer may have in flight; more get 429. */
export const DEFAULT_MAX_REQUESTS_PER_PEER = 4
/** A response whose reader takes nothing for this long is given up (its stream is reset). */
export const DEFAULT_SEND_STALL_MS = 30_000
const IMMUTABLE = 'public, max-age=29030400, immutable'

export interface CarServerInit {
  /** This node's own blockstore, not Helia's networked one. */
  blockstore: Pick<Blockstore, 'get' | 'has'>
  getCodec: CarWalkComponents['getCodec']
  maxRequestsPerPeer?: number
  sendStallMs?: number
  /** Told of each block a CAR response sends, with the peer and the requested root (for the Sharing view). */
  onBlockSent?: (peer: PeerId, root: CID, block: CarBlock) => void
}

export interface HandleOptions {
  signal?: AbortSignal
  /** Told each time the reader asks for more of the body. */
  onPull?: () => void
  /** Told of each block as it is handed to the CAR encoder. */
  onBlock?: (root: CID, block: CarBlock) => void
}

function text (status: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(`${message}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers } })
}

/** A body that reads `chunks` only when its reader asks, and stops them when it cancels. */
function pulled (chunks: AsyncIterable<Uint8Array>, onPull: () => void): ReadableStream<Uint8Array> {
  const source = chunks[Symbol.asyncIterator]()
  return new ReadableStream({
    async pull (controller) {
      onPull()
      const { done, value } = await source.next()
      if (done === true) controller.close()
      else controller.enqueue(value)
    },
    async cancel () {
      await source.return?.()
    }
  }, { highWaterMark: 0 })
}

/** A CARv1 of `blocks` under `root`, encoded as it is read; a failing walk fails the stream after the last whole block. */
async function * carBytes (root: CID, blocks: AsyncIterable<CarBlock>): AsyncGenerator<Uint8Array> {
  const { writer, out } = CarWriter.create([root])
  const source = blocks[Symbol.asyncIterator]()
  const written = (async () => {
    try {
      for (let next = await source.next(); next.done !== true; next = await source.next()) await writer.put(next.value)
    } finally {
      await writer.close()
    }
  })()
  written.catch(() => {})
  try {
    yield * out
    await written
  } finally {
    void source.return?.()
  }
}

async function * concat (first: CarBlock[], rest: AsyncIterable<CarBlock>, onBlock: (block: CarBlock) => void): AsyncGenerator<CarBlock> {
  for (const block of first) {
    onBlock(block)
    yield block
  }
  for await (const block of rest) {
    onBlock(block)
    yield block
  }
}

function etagOf (request: Extract<TrustlessRequest, { kind: 'car' }>, target: CID): string {
  const { scope, entityBytes, duplicates } = request.car
  const range = entityBytes == null ? '' : `.${entityBytes.from}-${entityBytes.to}`
  const path = request.segments.length === 0 ? '' : `.${target}`
  return `"${request.cid}${path}.car.${scope}${range}.dups-${duplicates ? 'y' : 'n'}"`
}

function matches (request: Request, etag: string): boolean {
  return (request.headers.get('if-none-match') ?? '').split(',').map(tag => tag.trim()).includes(etag)
}

function carType (car: CarScope): string {
  return `${CAR_TYPE}; version=1; order=dfs; dups=${car.duplicates ? 'y' : 'n'}`
}

export class CarServer {
  private readonly init: CarServerInit
  private readonly active = new Map<string, number>()
  private readonly maxRequestsPerPeer: number
  private readonly sendStallMs: number

  constructor (init: CarServerInit) {
    this.init = init
    this.maxRequestsPerPeer = init.maxRequestsPerPeer ?? DEFAULT_MAX_REQUESTS_PER_PEER
    this.sendStallMs = init.sendStallMs ?? DEFAULT_SEND_STALL_MS
  }

  /** Answers one request from this node's blocks. */
  handle = async (request: Request, options: HandleOptions = {}): Promise<Response> => {
    const response = await this.answer(request, options)
    // HEAD gets the headers GET would, and never a body (not even an error's).
    if (request.method !== 'HEAD' || response.body == null) return response
    await response.body.cancel()
    return new Response(null, { status: response.status, headers: response.headers })
  }

  private async answer (request: Request, options: HandleOptions): Promise<Response> {
    const parsed = parseTrustlessRequest(request.method, new URL(request.url), request.headers.get('accept'))
    if (parsed.kind === 'refused') return text(parsed.status, parsed.reason, parsed.status === 405 ? { allow: 'GET, HEAD' } : {})
    const common = { 'cache-control': IMMUTABLE, 'x-content-type-options': 'nosniff', vary: 'Accept' }
    // The empty identity CID (bafkqaaa) is the spec's probe: identity CIDs are always here.
    if (!isIdentity(parsed.cid) && !(await this.init.blockstore.has(parsed.cid, { signal: options.signal }))) {
      // Only-if-cached asks for 412 when the root is not at hand (trustless gateway spec).
      const cachedOnly = /only-if-cached/i.test(request.headers.get('cache-control') ?? '')
      return text(cachedOnly ? 412 : 404, `${parsed.cid} is not on this node.`)
    }
    if (parsed.kind === 'raw') {
      const etag = `"${parsed.cid}.raw"`
      if (matches(request, etag)) return new Response(null, { status: 304, headers: { etag, ...common } })
      const bytes = await read(this.init, parsed.cid, { signal: options.signal })
      const headers = { 'content-type': RAW_TYPE, 'content-length': String(bytes.byteLength), 'content-disposition': `attachment; filename="${parsed.cid}.bin"`, etag, ...common }
      // Blocks are never in shared memory.
      return new Response(bytes as Uint8Array<ArrayBuffer>, { status: 200, headers })
    }
    let resolved
    try {
      resolved = await resolvePath(this.init, parsed.cid, parsed.segments, { signal: options.signal })
    } catch (err) {
      if (options.signal?.aborted === true) throw err
      return text(404, `/ipfs/${parsed.cid}/${parsed.segments.join('/')} cannot be resolved from the blocks on this node: ${(err as Error).message}`)
    }
    const etag = etagOf(parsed, resolved.target)
    if (matches(request, etag)) return new Response(null, { status: 304, headers: { etag, ...common } })
    // Header values are Latin-1, and a quote would end the name: anything but printable ASCII becomes _.
    const name = `${parsed.cid}${parsed.segments.length === 0 ? '' : `_${parsed.segments.at(-1) ?? ''}`}.car`.replace(/[^\x20-\x7e]|["\\]/g, '_')
    const headers = { 'content-type': carType(parsed.car), 'content-disposition': `attachment; filename="${name}"`, 'accept-ranges': 'none', etag, ...common }
    if (parsed.head) return new Response(null, { status: 200, headers })
    const blocks = concat(resolved.blocks, readAhead(scopeBlocks(this.init, resolved.target, parsed.car, { signal: options.signal })), block => { options.onBlock?.(parsed.cid, block) })
    return new Response(pulled(carBytes(resolved.target, blocks), options.onPull ?? (() => {})), { status: 200, headers })
  }

  /**
   * Serves a request the HTTP service has no route for (everything but `/`
   * and the well-known list): at most `maxRequestsPerPeer` at once per peer,
   * each given up when its reader stalls.
   */
  inject = async (info: HeaderInfo, stream: Stream, connection: Connection): Promise<void> => {
    const peer = connection.remotePeer.toString()
    const active = this.active.get(peer) ?? 0
    if (active >= this.maxRequestsPerPeer) {
      await responseToStream(text(429, `At most ${this.maxRequestsPerPeer} requests at once, please.`, { 'retry-after': '1' }), stream)
      return
    }
    this.active.set(peer, active + 1)
    const ended = new AbortController()
    const onClose = (): void => { ended.abort() }
    stream.addEventListener('close', onClose)
    let stall: ReturnType<typeof setTimeout> | undefined
    const onPull = (): void => {
      clearTimeout(stall)
      stall = setTimeout(() => { stream.abort(new TimeoutError(`${peer} read nothing for ${this.sendStallMs / 1000} s`)) }, this.sendStallMs)
    }
    try {
      onPull()
      const onBlock = (root: CID, block: CarBlock): void => { this.init.onBlockSent?.(connection.remotePeer, root, block) }
      await responseToStream(await this.handle(streamToRequest(info, stream), { signal: ended.signal, onPull, onBlock }), stream)
    } finally {
      clearTimeout(stall)
      stream.removeEventListener('close', onClose)
      ended.abort()
      const left = (this.active.get(peer) ?? 1) - 1
      if (left === 0) this.active.delete(peer)
      else this.active.set(peer, left)
    }
  }
}

/**
 * libp2p services that serve it: the HTTP service, which hands the server
 * every request its own routes do not take, and the route that lists the
 * gateway (and answers `/`).
 */
export function carServerServices (init: CarServerInit) {
  const server = new CarServer(init)
  return {
    http: http({ server }),
    trustlessGateway: (components: { http: HTTP }): CarServer => {
      components.http.handle(GATEWAY_PROTOCOL, { path: '/', method: ['GET', 'HEAD'], cors: false, handler: server.handle })
      return server
    }
  }
}
