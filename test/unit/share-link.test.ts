import { describe, expect, it } from 'vitest'
import { MAX_SHARER_ADDRS, addrsToDial, buildShareLink, dialableAddrs, linkAddrs, parseShareLink, relayForLink, sharerPeer } from '../../src/lib/share-link.ts'

const CID_V1 = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
const PEER = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'
const RELAY = '12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5'

describe('share links', () => {
  it('round-trips the CID, the name and every address', () => {
    const addrs = [`/ip4/127.0.0.1/tcp/4101/ws/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`, `/dns4/r.example/tcp/443/wss/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`]
    const link = buildShareLink('http://app.localhost:8080/#/files', { cid: CID_V1, name: 'a b&c=d.txt', addrs })
    expect(link.startsWith('http://app.localhost:8080/#/open?cid=')).toBe(true)
    expect(parseShareLink(link)).toEqual({ cid: CID_V1, name: 'a b&c=d.txt', addrs })
  })

  it('reads a bare hash as the app sees it in location.hash', () => {
    const link = buildShareLink('https://pollen.example/app/', { cid: CID_V1, addrs: [] })
    expect(parseShareLink(new URL(link).hash)).toEqual({ cid: CID_V1, name: undefined, addrs: [] })
  })

  it('is not a share link without #/open?cid=', () => {
    expect(parseShareLink('http://app.localhost/#/files')).toBeUndefined()
    expect(parseShareLink('#/open')).toBeUndefined()
    expect(parseShareLink('#/open?name=x')).toBeUndefined()
  })

  it('refuses a share link whose CID is malformed, saying what to do', () => {
    expect(() => parseShareLink('#/open?cid=bafy-not-a-cid')).toThrow(/not valid; ask the sharer for the link again/)
    try { parseShareLink('#/open?cid=nope') } catch (err) { expect((err as Error).name).toBe('InvalidShareLinkError') }
  })

  it('keeps only addresses a browser can dial that name the sharer', () => {
    const keep = [
      `/ip4/127.0.0.1/tcp/4101/ws/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`,
      `/ip4/1.2.3.4/udp/4001/quic-v1/webtransport/certhash/uEiA/p2p/${PEER}`,
      `/ip4/1.2.3.4/udp/4001/webrtc-direct/certhash/uEiA/p2p/${PEER}`
    ]
    const drop = [
      `/ip4/1.2.3.4/tcp/4001/p2p/${PEER}`,
      `/ip4/1.2.3.4/udp/4001/quic-v1/p2p/${PEER}`,
      `/ip4/127.0.0.1/tcp/4101/ws/p2p/${RELAY}`
    ]
    expect(dialableAddrs([...keep, ...drop], PEER)).toEqual(keep)
  })

  it('carries the size it announces, and links without one keep working', () => {
    const link = buildShareLink('http://app.localhost:8080/', { cid: CID_V1, name: 'big.bin', addrs: [], size: 10 * 1024 * 1024 + 321 })
    expect(link).toContain('size=10486081')
    expect(parseShareLink(link)).toEqual({ cid: CID_V1, name: 'big.bin', addrs: [], size: 10486081 })
    expect(parseShareLink(buildShareLink('http://app.localhost:8080/', { cid: CID_V1, addrs: [], size: 0 }))?.size).toBe(0)
    // A link written before sizes were announced.
    expect(parseShareLink(`#/open?cid=${CID_V1}&name=old.bin`)).toEqual({ cid: CID_V1, name: 'old.bin', addrs: [] })
    expect(parseShareLink(`#/open?cid=${CID_V1}`)?.size).toBeUndefined()
  })

  it('refuses a size that is not a whole number of bytes, saying what to do', () => {
    for (const size of ['-5', '1e9', '0x10', 'abc', '', '1.5', '99999999999999999']) {
      expect(() => parseShareLink(`#/open?cid=${CID_V1}&size=${encodeURIComponent(size)}`), size).toThrow(/is not a number of bytes; ask the sharer for the link again/)
    }
  })

  it(`dials at most ${MAX_SHARER_ADDRS} of a link's addresses and counts the ones it ignores`, () => {
    const addrs = Array.from({ length: 12 }, (_, i) => `/ip4/127.0.0.1/tcp/${4000 + i}/ws/p2p/${PEER}`)
    expect(MAX_SHARER_ADDRS).toBe(8)
    expect(addrsToDial(addrs)).toEqual({ dialled: addrs.slice(0, 8), ignored: 4 })
    expect(addrsToDial(addrs.slice(0, 3))).toEqual({ dialled: addrs.slice(0, 3), ignored: 0 })
    // All twelve survive a round trip through a link: the cap is applied where they are dialled.
    expect(parseShareLink(buildShareLink('http://app.localhost/', { cid: CID_V1, addrs }))?.addrs).toHaveLength(12)
  })

  it('names the sharer by its peer, or from the /p2p/ part of an older link\'s addresses', () => {
    expect(sharerPeer({ peer: PEER, addrs: [] })).toBe(PEER)
    expect(sharerPeer({ addrs: [`/ip4/127.0.0.1/tcp/4101/ws/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`] })).toBe(PEER)
    expect(sharerPeer({ addrs: ['/ip4/127.0.0.1/tcp/1/ws', `/dns4/x.example/tcp/443/wss/p2p/${PEER}`] })).toBe(PEER)
    expect(sharerPeer({ addrs: ['/ip4/127.0.0.1/tcp/1/ws'] })).toBeUndefined()
    expect(sharerPeer({ addrs: [] })).toBeUndefined()
  })

  it('a short link names the peer and at most one relay, and stays under 200 characters for a file', () => {
    const short = buildShareLink('https://pollen.example/', { cid: CID_V1, name: 'holiday-photo.jpg', size: 33_554_432, peer: PEER })
    expect(short.length).toBeLessThan(200)
    expect(parseShareLink(short)).toEqual({ cid: CID_V1, name: 'holiday-photo.jpg', size: 33_554_432, peer: PEER, addrs: [] })

    const relay = `/dns4/relay.example/tcp/443/wss/p2p/${RELAY}`
    const withRelay = parseShareLink(buildShareLink('https://pollen.example/', { cid: CID_V1, peer: PEER, relay }))!
    expect(withRelay.relay).toBe(relay)
    // Through the relay: a direct WebRTC connection signalled there first, then the relayed one.
    expect(linkAddrs(withRelay)).toEqual([`${relay}/p2p-circuit/webrtc/p2p/${PEER}`, `${relay}/p2p-circuit/p2p/${PEER}`])
  })

  it('refuses a peer or relay that is not one, saying what to do', () => {
    expect(() => parseShareLink(`#/open?cid=${CID_V1}&peer=not-a-peer`)).toThrow(/is not a peer ID; ask the sharer/)
    expect(() => parseShareLink(`#/open?cid=${CID_V1}&peer=${PEER}&relay=${encodeURIComponent('/dns4/x/tcp/1/wss')}`)).toThrow(/not a relay's address/)
    expect(() => parseShareLink(`#/open?cid=${CID_V1}&peer=${PEER}&relay=${encodeURIComponent(`/dns4/x/tcp/1/wss/p2p/${RELAY}/p2p-circuit`)}`)).toThrow(/not a relay's address/)
    // A relay without a peer to reach through it means nothing.
    expect(() => parseShareLink(`#/open?cid=${CID_V1}&relay=${encodeURIComponent(`/dns4/x/tcp/1/wss/p2p/${RELAY}`)}`)).toThrow(/not a relay's address/)
  })

  it('names a relay only when it is not one of the deployment\'s bootstrap nodes', () => {
    const advertised = [
      `/ip4/127.0.0.1/tcp/4101/ws/p2p/${RELAY}/p2p-circuit/webrtc/p2p/${PEER}`,
      `/ip4/127.0.0.1/tcp/4101/ws/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`,
      `/ip4/127.0.0.1/tcp/4102/p2p/${RELAY}/p2p-circuit/p2p/${PEER}`
    ]
    expect(relayForLink(advertised, PEER, [])).toBe(`/ip4/127.0.0.1/tcp/4101/ws/p2p/${RELAY}`)
    expect(relayForLink(advertised, PEER, [`/ip4/127.0.0.1/tcp/4101/ws/p2p/${RELAY}`])).toBeUndefined()
    // A relay only reachable over plain TCP is no use to a browser.
    expect(relayForLink(advertised.slice(2), PEER, [])).toBeUndefined()
  })
})
