/**
 * A short share link names the sharer's peer ID only. When neither the link
 * nor this node's own relays reach it, the sharer dial asks the routers: the
 * infra node's delegated routing API (GET /routing/v1/peers/<id>) answers with
 * the addresses it knows for a peer holding a slot on its relay
 * (src/infra/local-peers.ts), with an ID Helia's client reads
 * (docs/upstream/helia-routing-server-peer-ids.md).
 */
import '../unit/helpers/with-resolvers.ts'
import { defaultLogger } from '@libp2p/logger'
import { delegatedHTTPRouter } from '@helia/delegated-routing-client'
import type { Libp2p } from 'libp2p'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InvalidShareLinkError } from '../../src/lib/errors.ts'
import { SharerDialer } from '../../src/node/sharer-dial.ts'
import type { PollenHelia } from '../../src/node/create-node.ts'
import { relayablePeer, startTestInfra, waitFor, webSocketAddr } from './helpers.ts'

let infra: Awaited<ReturnType<typeof startTestInfra>>
let sharer: Libp2p
let receiver: Libp2p
let dialer: SharerDialer


beforeAll(async () => {
  infra = await startTestInfra()
  sharer = await relayablePeer([`${webSocketAddr(infra)}/p2p-circuit`])
  await waitFor(() => sharer.getMultiaddrs().some(addr => addr.toString().includes('/p2p-circuit')), 'a relay slot for the sharer', 30_000)
  // The receiver knows no relay and no bootstrap node: only the router can tell it where the sharer is.
  receiver = await relayablePeer()
  const router = delegatedHTTPRouter({ url: infra.httpUrl })({ logger: defaultLogger() } as never)
  dialer = new SharerDialer({ libp2p: receiver as PollenHelia['libp2p'], routing: router as unknown as PollenHelia['routing'], bootstrap: [] })
}, 90_000)

afterAll(async () => {
  await receiver?.stop()
  await sharer?.stop()
  await infra?.dispose()
})

describe('the sharer dial', () => {
  it('reaches a sharer named by its peer ID alone at the address the routers know, through its relay', async () => {
    const url = `${infra.httpUrl}/routing/v1/peers/${sharer.peerId.toCID().toString()}`
    // A peer's relayed address reaches the infra node by identify push once its slot is granted.
    await waitFor(async () => {
      const { Peers: peers } = await (await fetch(url, { headers: { accept: 'application/json' } })).json() as { Peers: Array<{ Addrs: string[] }> }
      return peers[0]?.Addrs.length > 0 ? peers[0].Addrs : false
    }, 'the router to know the sharer', 30_000)
    const { sharer: dialled } = await dialer.dial([], sharer.peerId.toString(), AbortSignal.timeout(60_000))
    expect(dialled).toMatchObject({ peer: sharer.peerId.toString(), reached: true, relayed: true })
    expect(dialled?.addr).toContain(`/p2p/${infra.peerId}/p2p-circuit`)
    // What the dial took, step by step: this sharer announces no WebRTC, so identify ends it.
    expect(dialled?.steps?.map(step => step.step)).toEqual(['routers asked', 'relayed', 'identified'])
    expect(dialled?.steps?.every((step, i, all) => step.ms >= (all[i - 1]?.ms ?? 0))).toBe(true)
    expect(receiver.getConnections(sharer.peerId).length).toBeGreaterThan(0)
  })

  it('reaching a sharer again over the relayed connection already open, takes what its identify told, without waiting for another', async () => {
    const { sharer: first } = await dialer.dial([], sharer.peerId.toString(), AbortSignal.timeout(60_000))
    expect(first).toMatchObject({ reached: true, relayed: true })
    // libp2p answers the second dial with the open connection, whose identify ran before this dial listened for it.
    const { sharer: again } = await dialer.dial([], sharer.peerId.toString(), AbortSignal.timeout(60_000))
    expect(again).toMatchObject({ reached: true, relayed: true, addr: first?.addr })
    expect(again?.steps?.map(step => step.step)).toEqual(['routers asked', 'relayed', 'identified'])
  })

  it('says so when no link address, relay or router knows the peer', async () => {
    const stranger = await relayablePeer()
    const id = stranger.peerId.toString()
    await stranger.stop()
    const { sharer: dialled } = await dialer.dial([], id, AbortSignal.timeout(60_000))
    expect(dialled).toMatchObject({ peer: id, reached: false })
    expect(dialled?.error).toBe('no relay of this browser, and no router, knows an address for it')
  })

  it('refuses a link whose peer is not a peer ID', async () => {
    await expect(dialer.dial([], 'not-a-peer', AbortSignal.timeout(10_000))).rejects.toBeInstanceOf(InvalidShareLinkError)
  })
})

describe('a sharer whose WebRTC signalling hangs', () => {
  let stuck: Libp2p
  let webRtcReceiver: Libp2p

  beforeAll(async () => {
    // It announces WebRTC through the relay at two addresses, but reads an offer and never answers it.
    const relayed = `${webSocketAddr(infra)}/p2p-circuit`
    stuck = await relayablePeer([relayed], { appendAnnounce: [`${relayed}/webrtc`, `${relayed.replace('/ip4/127.0.0.1/', '/dns4/localhost/')}/webrtc`] })
    await stuck.handle('/webrtc-signaling/0.0.1', () => {}, { runOnLimitedConnection: true })
    await waitFor(() => stuck.getMultiaddrs().some(addr => addr.toString().endsWith(`/p2p-circuit/p2p/${stuck.peerId.toString()}`)), 'a relay slot for the stuck sharer', 30_000)
    webRtcReceiver = await relayablePeer([], { webRtc: true })
  }, 90_000)

  afterAll(async () => {
    await webRtcReceiver?.stop()
    await stuck?.stop()
  })

  it('the dial says which WebRTC step each attempt was stuck at, and goes on over the relay', async () => {
    const webRtcDialer = new SharerDialer({ libp2p: webRtcReceiver as PollenHelia['libp2p'], routing: {} as PollenHelia['routing'], bootstrap: [webSocketAddr(infra)] })
    const { sharer: dialled } = await webRtcDialer.dial([], stuck.peerId.toString(), AbortSignal.timeout(60_000))
    expect(dialled).toMatchObject({ peer: stuck.peerId.toString(), reached: true, relayed: true })
    expect(dialled?.directError).toBeDefined()
    // libp2p gives each address a while (ADDRESS_DIAL_TIMEOUT), then tries the next.
    expect(dialled?.steps?.map(step => step.step)).toEqual(['relayed', 'identified', 'direct attempt given up', 'direct failed'])
    expect(dialled?.steps?.slice(2).map(step => step.reached)).toEqual(['waiting for the SDP answer', 'waiting for the SDP answer'])
  }, 60_000)
})
