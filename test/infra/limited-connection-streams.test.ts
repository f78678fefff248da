/**
 * A stream whose caller accepts a limited connection runs on the relayed
 * connection already open to the peer. js-libp2p 3.3.11 as published dials
 * the peer again for every such stream when its only connections are limited
 * (to look for an unlimited one): each dial makes a new relayed connection,
 * closed as a duplicate, and now and then one fails ("The stream has been
 * reset"), failing the stream. Bitswap then dropped a sharer reached through a
 * relay from its session, and another provider served the whole file. Fixed by
 * patches/libp2p+3.3.11.patch (docs/upstream/libp2p-limited-connection-streams.md).
 */
import '../unit/helpers/with-resolvers.ts'
import type { Libp2p } from 'libp2p'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { relayablePeer, startTestInfra, waitFor, webSocketAddr } from './helpers.ts'

const PROTOCOL = '/pollen-test/limited/1.0.0'

let infra: Awaited<ReturnType<typeof startTestInfra>>
let sharer: Libp2p
let receiver: Libp2p


beforeAll(async () => {
  infra = await startTestInfra()
  sharer = await relayablePeer([`${webSocketAddr(infra)}/p2p-circuit`])
  await sharer.handle(PROTOCOL, stream => { void stream.close() }, { runOnLimitedConnection: true, maxInboundStreams: 64 })
  await waitFor(() => sharer.getMultiaddrs().some(addr => addr.toString().includes('/p2p-circuit')), 'a relay slot for the sharer', 30_000)
  receiver = await relayablePeer()
  await receiver.dial(sharer.getMultiaddrs().filter(addr => addr.toString().includes('/p2p-circuit')))
  // The sharer's end of it opens a moment after the receiver's.
  await waitFor(() => sharer.getConnections(receiver.peerId).length === 1, 'the sharer to see the relayed connection', 30_000)
}, 90_000)

afterAll(async () => {
  await receiver?.stop()
  await sharer?.stop()
  await infra?.dispose()
})

it('streams that accept a limited connection run on the relayed connection already open, with no new dial', async () => {
  const [relayed] = receiver.getConnections(sharer.peerId)
  expect(relayed.limits).toBeDefined()
  const opened: string[] = []
  sharer.addEventListener('connection:open', event => { opened.push(event.detail.remoteAddr.toString()) })
  for (let i = 0; i < 10; i++) {
    const stream = await receiver.dialProtocol(sharer.peerId, PROTOCOL, { runOnLimitedConnection: true, maxOutboundStreams: 64, signal: AbortSignal.timeout(30_000) })
    expect(relayed.streams).toContain(stream)
    await stream.close()
  }
  expect(opened).toEqual([])
  expect(receiver.getConnections(sharer.peerId).map(conn => conn.id)).toEqual([relayed.id])
})

it('a caller that needs an unlimited connection still gets a new dial', async () => {
  // The sharer has no address but its relayed one: the dial fails rather than use the limited connection.
  await expect(receiver.dialProtocol(sharer.peerId, PROTOCOL, { signal: AbortSignal.timeout(30_000) })).rejects.toThrow()
})
