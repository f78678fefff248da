/**
 * A link that names no sharer (or whose sharer is gone) is fetched from the
 * providers the routers name for its root, found once for the whole DAG: the
 * fetch walks it in one Helia session. Outside a session Helia asks the
 * routers again for every block, one request to the delegate per block, which
 * a big file turns into thousands (past the infra node's rate limit) and which
 * took a sixth of the infra node's time while it served a file.
 */
import '../unit/helpers/with-resolvers.ts'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { webSockets } from '@libp2p/websockets'
import { multiaddr } from '@multiformats/multiaddr'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { MemoryDatastore } from 'datastore-core'
import { createHelia } from 'helia'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { Fetcher } from '../../src/node/fetcher.ts'
import { UnfinishedFetches } from '../../src/node/unfinished-fetches.ts'
import type { PollenHelia } from '../../src/node/create-node.ts'
import type { ContentReader } from '../../src/node/content.ts'
import { startCarPeer } from './car-peers.ts'
import { http, refLines, startTestInfra, webSocketAddr } from './helpers.ts'

const APP_ORIGIN = 'http://app.localhost:1234'

let infra: Awaited<ReturnType<typeof startTestInfra>>
let root: string
let helia: ReturnType<typeof createHelia>
/** Every CID the receiver's routers were asked for providers of. */
const asked: string[] = []

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
  // A receiver as a browser node is for this: WebSocket out, the infra node as its delegate, no gateway.
  helia = createHelia({
    blockstore: new MemoryBlockstore(),
    datastore: new MemoryDatastore(),
    http: { delegatedRouters: [infra.httpUrl], recursiveGateways: [] },
    libp2p: {
      addresses: { listen: [] },
      transports: [webSockets()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      connectionGater: { denyDialMultiaddr: async () => false },
      peerDiscovery: [],
      services: { identify: identify() }
    }
  })
  await helia.start()
  const findProviders = helia.routing.findProviders.bind(helia.routing)
  helia.routing.findProviders = (cid, options) => { asked.push(cid.toString()); return findProviders(cid, options) }
  await helia.libp2p.dial(multiaddr(webSocketAddr(infra)))
}, 180_000)

afterAll(async () => {
  await helia?.stop()
  await infra?.dispose()
})

it('a link without a sharer asks the routers for its root\'s providers only, not for every block', async () => {
  const fetcher = new Fetcher({
    helia: helia as unknown as PollenHelia,
    content: {} as ContentReader,
    bootstrap: [],
    fetchTimeoutMs: 120_000,
    storageAvailable: async () => Number.POSITIVE_INFINITY,
    unfinished: new UnfinishedFetches({ datastore: helia.datastore, blocks: helia.blockstore, onChange: () => {} }),
    // The session alone, however slow a loaded machine makes it: asking everyone as well would ask the routers per block.
    sessionPatienceMs: 600_000
  })
  const summary = await fetcher.fetch({ path: `/ipfs/${root}`, maxBytes: 1024 * 1024, limitFrom: 'person' }, AbortSignal.timeout(120_000), () => {})

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
