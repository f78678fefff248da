/**
 * The infra node's relay keeps a reservation only while its peer is connected:
 * browsers come and go all day, and reservations kept for their 2 h TTL after
 * they left filled the store (--relay-max-reservations), after which every new
 * browser was refused a slot and could not be reached through the relay
 * (patches/@libp2p+circuit-relay-v2+4.2.13.patch, docs/upstream/libp2p-circuit-relay-server.md).
 */
import '../unit/helpers/with-resolvers.ts'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify } from '@libp2p/identify'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p, type Libp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestInfra, waitFor, webSocketAddr } from './helpers.ts'

let infra: Awaited<ReturnType<typeof startTestInfra>>

beforeAll(async () => {
  infra = await startTestInfra(['--relay-max-reservations', '1'])
}, 90_000)

afterAll(async () => {
  await infra?.dispose()
})

/** A peer that asks the infra node's relay for a slot, as a browser does. */
async function reservingPeer (): Promise<Libp2p> {
  return await createLibp2p({
    addresses: { listen: [`${webSocketAddr(infra)}/p2p-circuit`] },
    transports: [webSockets(), circuitRelayTransport()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: async () => false },
    services: { identify: identify() }
  })
}

async function relayed (peer: Libp2p): Promise<string> {
  return await waitFor(() => peer.getMultiaddrs().map(String).find(addr => addr.includes('/p2p-circuit')), 'a relay reservation', 30_000)
}

describe('relay reservations', () => {
  it('frees the slot of a peer that left, so the next peer gets one', async () => {
    const first = await reservingPeer()
    expect(await relayed(first)).toContain(infra.peerId)
    await first.stop()

    // The store holds one reservation: the second peer gets a slot only if the first one's was freed.
    const second = await reservingPeer()
    try {
      expect(await relayed(second)).toContain(infra.peerId)
    } finally {
      await second.stop()
    }
  }, 90_000)
})
