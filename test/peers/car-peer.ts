/**
 * A Helia node in memory that serves the trustless gateway over libp2p as a
 * Pollen node does (src/node/car-server.ts) and, told to, asks another peer
 * for blocks and CARs as a Pollen node does (src/lib/car-fetch.ts). Run
 * under Node.js 22 by the tests (test/infra/car-http.test.ts), which drive it
 * over a small HTTP control API on loopback.
 *
 *   --fixtures          import the test content (printed in the ready line)
 *   --lie               serve random bytes instead of the second leaf of `file`
 *   --stall-ms <ms>     the server's send stall limit
 *   --no-gateway        serve no trustless gateway (a peer that does not speak HTTP)
 *
 * Prints {"event":"ready",peerId,multiaddrs,controlUrl,fixtures}.
 * POST <controlUrl> with {op, ...}: see `commands` below.
 */
import { createServer } from 'node:http'
import { parseArgs } from 'node:util'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { fetch as fetchOverStream } from '@libp2p/http-fetch'
import { HTTP_PROTOCOL } from '@libp2p/http'
import { peerIdFromString } from '@libp2p/peer-id'
import { webSockets } from '@libp2p/websockets'
import { CarBlockIterator } from '@ipld/car/iterator'
import * as dagCbor from '@ipld/dag-cbor'
import { multiaddr } from '@multiformats/multiaddr'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { createHelia } from 'helia'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { base36 } from 'multiformats/bases/base36'
import { createUnsafe } from 'multiformats/block'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { IMPORT_OPTIONS } from '../../src/lib/import-profile.ts'
import { carServerServices } from '../../src/node/car-server.ts'
import { DEFAULT_MAX_BUFFERED_BYTES, fetchCar } from '../../src/lib/car-fetch.ts'
import type { CodecLoader } from '@helia/interface'
import type { Stream } from '@libp2p/interface'

const { values } = parseArgs({ options: { fixtures: { type: 'boolean' }, lie: { type: 'boolean' }, 'stall-ms': { type: 'string' }, 'no-gateway': { type: 'boolean' } } })

/** Deterministic bytes, so a test can compute what it should get. */
function bytesOf (length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length)
  let x = seed
  for (let i = 0; i < length; i++) { x = (x * 1103515245 + 12345) >>> 0; bytes[i] = x >>> 24 }
  return bytes
}

const blockstore = new MemoryBlockstore()
/** The block a liar sends other bytes for. */
let lieAbout: string | undefined
/** Blocks the server has read. */
let reads = 0
/** What the server reads: the blockstore, or a liar's view of it. */
const served = {
  has: blockstore.has.bind(blockstore),
  get: async function * (cid: CID, options?: { signal?: AbortSignal }) {
    reads++
    if (cid.toString() === lieAbout) yield bytesOf(1024, 99)
    else yield * blockstore.get(cid, options)
  }
}
const getCodec: CodecLoader = async (code, options) => await helia.getCodec(code, options)
const services: Record<string, (components: any) => unknown> = { identify: identify() }
if (values['no-gateway'] !== true) {
  Object.assign(services, carServerServices({ blockstore: served, getCodec, sendStallMs: values['stall-ms'] == null ? undefined : Number(values['stall-ms']) }))
}
const helia = createHelia({
  blockstore,
  http: { delegatedRouters: [], recursiveGateways: [] },
  libp2p: {
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0/ws'] },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [],
    services
  }
})
await helia.start()

async function importFile (content: Uint8Array, options: Parameters<typeof importer>[2] = {}): Promise<CID> {
  let root: CID | undefined
  for await (const entry of importer([{ content }], blockstore, { cidVersion: 1, rawLeaves: true, ...options })) root = entry.cid
  return root!
}

async function fixtures (): Promise<Record<string, string>> {
  // Pollen's profile: 1 MiB leaves under one root.
  const file = await importFile(bytesOf(3 * 1024 * 1024 + 5, 1), { chunker: fixedSize({ chunkSize: 1024 * 1024 }) })
  // 1 KiB leaves, at most 4 links a node: three levels of links above 20 leaves.
  const deep = await importFile(bytesOf(20 * 1024, 2), { chunker: fixedSize({ chunkSize: 1024 }), layout: balanced({ maxChildrenPerNode: 4 }) })
  let dir: CID | undefined
  for await (const entry of importer([
    { path: 'dir/a.txt', content: new TextEncoder().encode('hello') },
    { path: 'dir/sub/b.bin', content: bytesOf(3000, 3) }
  ], blockstore, { cidVersion: 1, rawLeaves: true, chunker: fixedSize({ chunkSize: 1024 }), wrapWithDirectory: false })) if (entry.path === 'dir') dir = entry.cid
  let hamt: CID | undefined
  const files = Array.from({ length: 40 }, (_, i) => ({ path: `hamt/f${i}.txt`, content: new TextEncoder().encode(`file ${i}`) }))
  for await (const entry of importer(files, blockstore, { cidVersion: 1, rawLeaves: true, shardSplitThresholdBytes: 1, shardFanoutBits: 4 })) if (entry.path === 'hamt') hamt = entry.cid
  // 64 leaves of 1 MiB: more than any stream window holds.
  const big = await importFile(bytesOf(64 * 1024 * 1024, 5), { chunker: fixedSize({ chunkSize: 1024 * 1024 }) })
  // A file whose third leaf is gone: a CAR of it stops there.
  const partial = await importFile(bytesOf(4 * 1024, 4), { chunker: fixedSize({ chunkSize: 1024 }) })
  const partialLeaves = await leavesOf(partial)
  await blockstore.delete(partialLeaves[2])
  // A dag-cbor block that links to the file: not UnixFS.
  const cborBytes = dagCbor.encode({ name: 'file', file })
  const cbor = CID.createV1(dagCbor.code, await sha256.digest(cborBytes))
  await blockstore.put(cbor, cborBytes)
  if (values.lie === true) lieAbout = String((await leavesOf(file))[1])
  return { file: String(file), deep: String(deep), dir: String(dir), hamt: String(hamt), big: String(big), partial: String(partial), partialMissing: String(partialLeaves[2]), cbor: String(cbor) }
}

async function leavesOf (root: CID): Promise<CID[]> {
  const { decode } = await import('@ipld/dag-pb')
  const node = decode(await (await import('it-to-buffer')).default(blockstore.get(root)))
  return node.Links.map(link => link.Hash)
}

let remote: { peer: ReturnType<typeof peerIdFromString>, addr: string } | undefined
/** Streams of `hold`, kept unread until `release`. */
let held: Array<{ stream: Stream }> = []

async function send (path: string, headers: Record<string, string>, method = 'GET'): Promise<{ stream: Stream, response: Response }> {
  if (remote == null) throw new Error('dial first')
  const connection = helia.libp2p.getConnections(remote.peer)[0] ?? await helia.libp2p.dial(multiaddr(remote.addr))
  const stream = await connection.newStream(HTTP_PROTOCOL)
  // As car-fetch.ts does: a paused stream may hold what the yamux window allowed.
  stream.maxReadBufferLength = DEFAULT_MAX_BUFFERED_BYTES
  const response = await fetchOverStream(stream, new URL(`http://${remote.peer.toCID().toString(base36)}${path}`), { headers, method })
  return { stream, response }
}

const commands: Record<string, (args: any) => Promise<unknown>> = {
  dial: async ({ addr }) => {
    remote = { peer: peerIdFromString(multiaddr(addr).getComponents().findLast(c => c.name === 'p2p')!.value!), addr }
    await helia.libp2p.dial(multiaddr(addr))
    return { ok: true }
  },
  /** One HTTP request; a CAR body is decoded (not verified) into its blocks' CIDs and links. */
  request: async ({ path, headers = {}, method = 'GET' }) => {
    const { stream, response } = await send(path, headers, method)
    const headersSeen: Record<string, string> = {}
    response.headers.forEach((value, name) => { headersSeen[name] = value })
    const answer: Record<string, unknown> = { status: response.status, headers: headersSeen }
    if (method === 'HEAD') {
      stream.abort(new Error('a HEAD answer has no body'))
      return answer
    }
    if (response.body == null) return answer
    if ((response.headers.get('content-type') ?? '').startsWith('application/vnd.ipld.car')) {
      const blocks: Array<{ cid: string, links: string[] }> = []
      try {
        const iterator = await CarBlockIterator.fromIterable(bodyChunks(response.body))
        answer.roots = (await iterator.getRoots()).map(String)
        for await (const { cid, bytes } of iterator) {
          const links = cid.code === 0x55 ? [] : [...createUnsafe({ cid, bytes, codec: await helia.getCodec(cid.code) }).links()].map(([, link]) => String(link))
          blocks.push({ cid: String(cid), links })
        }
      } catch (err) {
        answer.error = (err as Error).message
      }
      answer.cids = blocks.map(block => block.cid)
      answer.blocks = blocks
    } else {
      const bytes = new Uint8Array(await response.arrayBuffer())
      answer.base64 = Buffer.from(bytes).toString('base64')
      answer.text = new TextDecoder().decode(bytes)
    }
    return answer
  },
  /** `n` requests at once whose bodies are left unread; their statuses. */
  hold: async ({ path, n }) => {
    const opened = await Promise.all(Array.from({ length: n }, async () => await send(path, {})))
    held.push(...opened)
    return { statuses: opened.map(o => o.response.status) }
  },
  /** A CAR request whose body is read until `n` blocks came, then left unread. */
  readSome: async ({ path, n }) => {
    const opened = await send(path, {})
    held.push(opened)
    const iterator = await CarBlockIterator.fromIterable(bodyChunks(opened.response.body!))
    let count = 0
    for await (const block of iterator) {
      if (block != null && ++count >= n) break
    }
    return { status: opened.response.status, count }
  },
  /** How many blocks this node's server has read. */
  reads: async () => ({ reads }),
  release: async () => {
    for (const { stream } of held) stream.abort(new Error('released'))
    held = []
    return { ok: true }
  },
  /** Whether the held streams were closed by the other side. */
  heldClosed: async () => ({ closed: held.map(({ stream }) => stream.status !== 'open') }),
  fetchCar: async ({ cid, maxBytes, stallMs }) => {
    if (remote == null) throw new Error('dial first')
    const stored: string[] = []
    try {
      const result = await fetchCar(helia, remote.peer, CID.parse(cid), {
        maxBytes,
        stallMs,
        onProgress: event => { if (event.type === 'car-fetch:block') stored.push(String(event.detail.cid)) }
      })
      return { result, stored }
    } catch (err) {
      return { error: { name: (err as Error).name, message: (err as Error).message }, stored }
    }
  },
  /** Imports files ({ path, base64 }) with Pollen's import profile; the last entry's CID (a folder's, or the one file's). */
  add: async ({ files }) => {
    let root: CID | undefined
    const entries = (files as Array<{ path: string, base64: string }>).map(file => ({ path: file.path, content: Buffer.from(file.base64, 'base64') }))
    for await (const entry of importer(entries, blockstore, IMPORT_OPTIONS)) root = entry.cid
    return { cid: String(root) }
  },
  has: async ({ cids }) => ({ has: await Promise.all((cids as string[]).map(async cid => await helia.blockstore.has(CID.parse(cid)))) })
}

async function * bodyChunks (body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader()
  for (let next = await reader.read(); next.done !== true; next = await reader.read()) yield next.value
}

const control = createServer((req, res) => {
  const parts: Buffer[] = []
  req.on('data', chunk => parts.push(chunk as Buffer))
  req.on('end', () => {
    const args = JSON.parse(Buffer.concat(parts).toString())
    commands[args.op](args).then(
      answer => { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify(answer)) },
      err => { res.statusCode = 500; res.end(JSON.stringify({ name: err.name, message: err.message })) })
  })
})
await new Promise<void>(resolve => control.listen(0, '127.0.0.1', resolve))
const port = (control.address() as { port: number }).port

console.log(JSON.stringify({
  event: 'ready',
  peerId: helia.libp2p.peerId.toString(),
  multiaddrs: helia.libp2p.getMultiaddrs().map(String),
  controlUrl: `http://127.0.0.1:${port}`,
  fixtures: values.fixtures === true ? await fixtures() : {}
}))
process.on('SIGTERM', () => { control.close(); void helia.stop().then(() => process.exit(0)) })
