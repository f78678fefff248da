// @ts-check
/**
 * A peer with content to preload, standing in for the browser that added it:
 * a Helia node in memory that imports files of the sizes asked for, dials the
 * infra node over WebSockets and serves the blocks over bitswap when the
 * infra node's preload walk wants them.
 *
 * `startContentPeer` runs this file as a child process under the project's
 * Node.js 22 (current js-libp2p needs it) and hands back the roots; the tests
 * and bench/soak.js use it.
 *
 * As a process: node content-peer.js --dial <multiaddr> --file <name>=<bytes> ...
 * prints one JSON line {"event":"ready","peerId":...,"roots":{"<name>":"<cid>"}}
 * and serves until SIGTERM.
 */
import { randomBytes } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { startNode22Process } from '../../scripts/node22-process.js'
import { isMainModule } from '../../scripts/is-main-module.js'

/** The UnixFS chunk size of the imports: a 1 MiB file is four leaves and a root. */
export const CONTENT_PEER_CHUNK_SIZE = 256 * 1024

/**
 * @typedef {{ peerId: string, roots: Record<string, string>, stop: () => Promise<void> }} ContentPeer
 * @param {{ dial: string, files: Record<string, number>, readyTimeoutMs?: number }} options `files`: name → size in bytes
 * @returns {Promise<ContentPeer>}
 */
export async function startContentPeer (options) {
  const args = [fileURLToPath(import.meta.url), '--dial', options.dial, ...Object.entries(options.files).flatMap(([name, size]) => ['--file', `${name}=${size}`])]
  const child = await startNode22Process({ name: 'the content peer', args, readyTimeoutMs: options.readyTimeoutMs ?? 60_000 })
  return { peerId: child.ready.peerId, roots: child.ready.roots, stop: child.stop }
}

async function main () {
  const { values } = parseArgs({ options: { dial: { type: 'string' }, file: { type: 'string', multiple: true } } })
  if (values.dial == null) throw new Error('--dial <multiaddr of the infra node> is required')
  const { createHelia } = await import('helia')
  const { unixfs } = await import('@helia/unixfs')
  const { fixedSize } = await import('ipfs-unixfs-importer/chunker')
  const { noise } = await import('@chainsafe/libp2p-noise')
  const { yamux } = await import('@chainsafe/libp2p-yamux')
  const { identify } = await import('@libp2p/identify')
  const { webSockets } = await import('@libp2p/websockets')
  const { multiaddr } = await import('@multiformats/multiaddr')

  const helia = await createHelia({
    http: { delegatedRouters: [], recursiveGateways: [] },
    libp2p: {
      addresses: { listen: [] },
      transports: [webSockets()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      peerDiscovery: [],
      services: { identify: identify() }
    }
  })
  await helia.start()
  const fs = unixfs(helia)
  /** @type {Record<string, string>} */
  const roots = {}
  for (const spec of values.file ?? []) {
    const [name, size] = spec.split('=')
    const cid = await fs.addBytes(randomBytes(Number(size)), { chunker: fixedSize({ chunkSize: CONTENT_PEER_CHUNK_SIZE }) })
    roots[name] = cid.toString()
  }
  await helia.libp2p.dial(multiaddr(values.dial))
  console.log(JSON.stringify({ event: 'ready', peerId: helia.libp2p.peerId.toString(), roots }))
  process.once('SIGTERM', () => {
    void helia.stop().finally(() => { process.exit(0) })
  })
}

if (isMainModule(import.meta.url)) {
  main().catch(err => {
    console.error(err)
    process.exit(1)
  })
}
