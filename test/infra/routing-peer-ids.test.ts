/**
 * The infra node's delegated routing answers are read by Helia's own client
 * (the browser node's delegate router): provider records carry the peer ID as
 * that client parses it. Helia's routers give each provider's ID as a CID,
 * which the routing API server wrote as such ("bafz…"); the client, reading a
 * base58btc peer ID only, dropped every record
 * (patches/@helia+delegated-routing-v1-http-api-server+5.2.1.patch,
 * docs/upstream/helia-routing-server-peer-ids.md; the peer records' half is
 * tested in sharer-dial.test.ts).
 */
import '../unit/helpers/with-resolvers.ts'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { delegatedHTTPRouter } from '@helia/delegated-routing-client'
import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startContentPeer, type ContentPeer } from './content-peer.js'
import { http, startTestInfra, webSocketAddr } from './helpers.ts'

const APP_ORIGIN = 'http://app.localhost:1234'
let infra: Awaited<ReturnType<typeof startTestInfra>>
let peer: ContentPeer

beforeAll(async () => {
  infra = await startTestInfra([], [APP_ORIGIN])
  peer = await startContentPeer({ dial: webSocketAddr(infra), files: { small: 300 * 1024 } })
}, 120_000)

afterAll(async () => {
  await peer?.stop()
  await infra?.dispose()
})

describe('delegated routing records', () => {
  it('name a provider by a peer ID that Helia\'s delegated routing client reads', async () => {
    const preloaded = await http(`${infra.httpUrl}/api/v0/refs?r=true&arg=${peer.roots.small}`, { method: 'POST', headers: { Origin: APP_ORIGIN } })
    expect(preloaded.status).toBe(200)
    const answer = JSON.parse((await http(`${infra.httpUrl}/routing/v1/providers/${peer.roots.small}`, { headers: { Accept: 'application/json' } })).body) as { Providers: Array<{ ID: string }> }
    expect(answer.Providers.map(record => record.ID)).toContain(infra.peerId)

    const router = delegatedHTTPRouter({ url: infra.httpUrl, filterAddrs: [], filterProtocols: [] })({ logger: defaultLogger() } as never)
    const providers: string[] = []
    for await (const provider of router.findProviders!(CID.parse(peer.roots.small), { signal: AbortSignal.timeout(30_000) })) providers.push(provider.id.toString())
    expect(providers).toContain(peerIdFromString(infra.peerId).toCID().toString())
  })
})
