/**
 * A fetch walks its DAG in one Helia session. A link that names no sharer (or
 * whose sharer is gone) is fetched from the providers the routers name for its
 * root, found once for the whole DAG: outside a session Helia asks the routers
 * again for every block, one request to the delegate per block, which a big
 * file turns into thousands (past the infra node's rate limit) and which took
 * a sixth of the infra node's time while it served a file. A sharer reached
 * through a relay is named to the session by its peer ID, so nothing dials it
 * again: by its addresses Helia dialled it anew (libp2p makes a new relayed
 * connection for every dial of a peer it reaches through a relay only), and a
 * failed second dial dropped the sharer, leaving the whole file to the infra
 * node.
 */
import '../unit/helpers/with-resolvers.ts'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify, identifyPush } from '@libp2p/identify'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { MemoryDatastore } from 'datastore-core'
import { createHelia } from 'helia'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { Fetcher } from '../../src/node/fetcher.ts'
import { UnfinishedFetches } from '../../src/node/unfinished-fetches.ts'
import type { PollenHelia } from '../../src/node/create-node.ts'
import type { ContentReader } from '../../src/node/content.ts'
import type { Connection } from '@libp2p/interface'
import { startCarPeer } from './car-peers.ts'
import { pseudoRandomBytes } from '../e2e/helpers/content.ts'
import { http, refLines, startTestInfra, waitFor, webSocketAddr } from './helpers.ts'

const APP_ORIGIN = 'http://app.localhost:1234'

let infra: Awaited<ReturnType<typeof startTestInfra>>
let root: string
let helia: Awaited<ReturnType<typeof browserLikeNode>>
/** Every CID the receiver's routers were asked for providers of. */
const asked: string[] = []

/** A Helia node as a browser node is for this: WebSocket out, relayed in (when `listen` says so), the infra node as its delegate, no gateway. */
async function browserLikeNode (listen: string[] = []) {
  const node = createHelia({
    blockstore: new MemoryBlockstore(),
    datastore: new MemoryDatastore(),
    http: { delegatedRouters: [infra.httpUrl], recursiveGateways: [] },
    bitswap: { runOnLimitedConnections: true },
    libp2p: {
      addresses: { listen },
      transports: [webSockets(), circuitRelayTransport()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionGater: { denyDialMultiaddr: async () => false },
      peerDiscovery: [],
      services: { identify: identify(), identifyPush: identifyPush() }
    }
  })
  await node.start()
  return node
}

function fetcherOf (node: typeof helia): Fetcher {
  return new Fetcher({
    helia: node as unknown as PollenHelia,
    content: {} as ContentReader,
    bootstrap: [],
    fetchTimeoutMs: 120_000,
    storageAvailable: async () => Number.POSITIVE_INFINITY,
    unfinished: new UnfinishedFetches({ datastore: node.datastore, blocks: node.blockstore, onChange: () => {} }),
    // The session alone, however slow a loaded machine makes it: asking everyone as well would ask the routers per block.
    sessionPatienceMs: 600_000
  })
}

beforeAll(async () => {
  infra = await startTestInfra([], [APP_ORIGIN])
  // The infra node takes the content from a peer that then leaves: it alone holds it.
  const sharer = await startCarPeer(['--fixtures'])
  try {
    root = sharer.fixtures.deep
    await sharer.call('dial', { addr: webSocketAddr(infra) })
    const answer = await http(`${infra.httpUrl}/api/v0/refs?r=true&arg=${root}`, { method: 'POST', headers: { Origin: APP_ORIGIN } })
    expect(answer.status).toBe(200)
    expect(refLines(answer.body).filter(line => line.Err !== '')).toEqual([])
  } finally {
    await sharer.stop()
  }
  helia = await browserLikeNode()
  const findProviders = helia.routing.findProviders.bind(helia.routing)
  helia.routing.findProviders = (cid, options) => { asked.push(cid.toString()); return findProviders(cid, options) }
  await helia.libp2p.dial(multiaddr(webSocketAddr(infra)))
}, 180_000)

afterAll(async () => {
  await helia?.stop()
  await infra?.dispose()
})

it('a link without a sharer asks the routers for its root\'s providers only, not for every block', async () => {
  const summary = await fetcherOf(helia).fetch({ path: `/ipfs/${root}`, maxBytes: 1024 * 1024, limitFrom: 'person' }, AbortSignal.timeout(120_000), () => {})

  expect(summary.blocks).toBeGreaterThan(20)
  expect(summary.bytes).toBe(summary.totalBytes)
  // Every byte came from the infra node (over bitswap, or its gateway were it named one), the one holder left.
  const infraPeer = webSocketAddr(infra).split('/p2p/').at(-1)
  expect(summary.sources.map(source => source.id)).toEqual([infraPeer])
  expect(summary.sources[0].blocks).toBe(summary.blocks)
  // The routers were asked about the root (by each of Helia's block brokers at most once), about no other block.
  expect(asked.length).toBeGreaterThan(0)
  expect(asked.length).toBeLessThanOrEqual(2)
  expect(new Set(asked)).toEqual(new Set([root]))
}, 180_000)

it('a sharer reached through a relay serves the whole DAG over that connection, dialled once', async () => {
  const sharer = await browserLikeNode([`${webSocketAddr(infra)}/p2p-circuit`])
  // Connections the receiver opens to the sharer (a dial made again opens one, then closes it as a duplicate).
  const toSharer: string[] = []
  const onOpen = (event: CustomEvent<Connection>): void => { if (event.detail.remotePeer.equals(sharer.libp2p.peerId)) toSharer.push(event.detail.id) }
  helia.libp2p.addEventListener('connection:open', onOpen)
  try {
    await waitFor(() => sharer.libp2p.getMultiaddrs().some(addr => addr.toString().includes('/p2p-circuit')), 'a relay slot for the sharer', 30_000)
    let shared: string | undefined
    for await (const entry of importer([{ content: pseudoRandomBytes(3 * 1024 * 1024, 61) }], sharer.blockstore, { cidVersion: 1, rawLeaves: true, chunker: fixedSize({ chunkSize: 1024 * 1024 }) })) shared = entry.cid.toString()

    const link = { path: `/ipfs/${shared}`, providers: sharer.libp2p.getMultiaddrs().map(String), sharer: sharer.libp2p.peerId.toString(), maxBytes: 4 * 1024 * 1024, limitFrom: 'link' as const }
    const summary = await fetcherOf(helia).fetch(link, AbortSignal.timeout(120_000), () => {})

    expect(summary.sharer).toMatchObject({ reached: true, relayed: true })
    expect(summary.sources.map(source => [source.role, source.blocks])).toEqual([['sharer', summary.blocks]])
    // One connection to the sharer: the sharer dial's.
    expect(toSharer).toHaveLength(1)
  } finally {
    helia.libp2p.removeEventListener('connection:open', onOpen)
    await sharer.stop()
  }
}, 180_000)
