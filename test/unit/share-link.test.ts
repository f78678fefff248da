import { describe, expect, it } from 'vitest'
import { buildShareLink, dialableAddrs, parseShareLink } from '../../src/lib/share-link.ts'

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
})
