import { describe, expect, it } from 'vitest'
import { isRelayed, transportName } from '../../src/lib/transport-name.ts'

const RELAY = 'QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN'
const TARGET = '12D3KooWSvYkCKwuGhCpGwRWqGVxNHTaSVUmMhbQqT4GeqKT2TYp'
const CERTHASH = 'uEiDDq4_xNyDorZBH3TlGazyJdOWSwvo4PUo5YHFMrvDE8g'

describe('transportName', () => {
  it('names a plain WebSocket', () => {
    expect(transportName(`/ip4/1.2.3.4/tcp/4001/ws/p2p/${RELAY}`)).toEqual({ transport: 'WebSocket', relayed: false })
    expect(transportName('/dns4/node.example/tcp/80/ws')).toEqual({ transport: 'WebSocket', relayed: false })
  })

  it('names a secure WebSocket written /wss', () => {
    expect(transportName(`/dns4/node.example/tcp/443/wss/p2p/${RELAY}`)).toEqual({ transport: 'secure WebSocket', relayed: false })
  })

  it('names a secure WebSocket written /tls/ws and /tls/sni/<host>/ws', () => {
    expect(transportName(`/dns4/node.example/tcp/443/tls/ws/p2p/${RELAY}`)).toEqual({ transport: 'secure WebSocket', relayed: false })
    expect(transportName(`/dns4/node.example/tcp/443/tls/sni/node.example/ws/p2p/${RELAY}`)).toEqual({ transport: 'secure WebSocket', relayed: false })
  })

  it('names WebTransport (not QUIC, which it runs over)', () => {
    expect(transportName(`/ip4/1.2.3.4/udp/4001/quic-v1/webtransport/certhash/${CERTHASH}/p2p/${RELAY}`))
      .toEqual({ transport: 'WebTransport', relayed: false })
  })

  it('names TCP, QUIC and WebRTC direct', () => {
    expect(transportName(`/ip4/1.2.3.4/tcp/4001/p2p/${RELAY}`)).toEqual({ transport: 'TCP', relayed: false })
    expect(transportName(`/ip4/1.2.3.4/udp/4001/quic-v1/p2p/${RELAY}`)).toEqual({ transport: 'QUIC', relayed: false })
    expect(transportName(`/ip4/1.2.3.4/udp/4001/webrtc-direct/certhash/${CERTHASH}/p2p/${RELAY}`)).toEqual({ transport: 'WebRTC direct', relayed: false })
  })

  it('names a circuit relay connection by the transport to the relay', () => {
    expect(transportName(`/dns4/relay.example/tcp/443/wss/p2p/${RELAY}/p2p-circuit/p2p/${TARGET}`))
      .toEqual({ transport: 'relayed via secure WebSocket', relayed: true })
    expect(transportName(`/ip4/1.2.3.4/tcp/4001/ws/p2p/${RELAY}/p2p-circuit/p2p/${TARGET}`))
      .toEqual({ transport: 'relayed via WebSocket', relayed: true })
    expect(transportName(`/ip4/1.2.3.4/udp/4001/quic-v1/webtransport/certhash/${CERTHASH}/p2p/${RELAY}/p2p-circuit/p2p/${TARGET}`))
      .toEqual({ transport: 'relayed via WebTransport', relayed: true })
  })

  it('ignores transports named after the relay hop when naming a relayed connection', () => {
    // Only what comes before /p2p-circuit is the connection this node made.
    expect(transportName(`/ip4/1.2.3.4/tcp/4001/p2p/${RELAY}/p2p-circuit/ws/p2p/${TARGET}`))
      .toEqual({ transport: 'relayed via TCP', relayed: true })
  })

  it('names a relayed connection with no known transport', () => {
    expect(transportName(`/p2p/${RELAY}/p2p-circuit/p2p/${TARGET}`)).toEqual({ transport: 'relayed via unknown', relayed: true })
  })

  it('names WebRTC set up over a circuit relay as direct WebRTC, not relayed', () => {
    expect(transportName(`/dns4/relay.example/tcp/443/wss/p2p/${RELAY}/p2p-circuit/webrtc/p2p/${TARGET}`))
      .toEqual({ transport: 'WebRTC', relayed: false })
    // Signalled through a relay reached over WebRTC-direct: still a direct browser-to-browser connection.
    expect(transportName(`/ip4/1.2.3.4/udp/4001/webrtc-direct/certhash/${CERTHASH}/p2p/${RELAY}/p2p-circuit/webrtc/p2p/${TARGET}`))
      .toEqual({ transport: 'WebRTC', relayed: false })
  })

  it('names a connection relayed through a relay reached over WebRTC-direct as relayed', () => {
    expect(transportName(`/ip4/1.2.3.4/udp/4001/webrtc-direct/certhash/${CERTHASH}/p2p/${RELAY}/p2p-circuit/p2p/${TARGET}`))
      .toEqual({ transport: 'relayed via WebRTC direct', relayed: true })
  })

  it('names a bare /webrtc address', () => {
    expect(transportName(`/webrtc/p2p/${TARGET}`)).toEqual({ transport: 'WebRTC', relayed: false })
  })

  it('returns unknown, not relayed, for garbage', () => {
    for (const input of ['', 'garbage', 'https://example.org', '/ip4/999.0.0.1/tcp/1', '/ip4/1.2.3.4/tcp/notaport', '/nosuchproto/1', '//']) {
      expect(transportName(input)).toEqual({ transport: 'unknown', relayed: false })
    }
  })

  it('returns unknown for a valid multiaddr with no transport', () => {
    expect(transportName('/ip4/1.2.3.4')).toEqual({ transport: 'unknown', relayed: false })
    expect(transportName(`/p2p/${TARGET}`)).toEqual({ transport: 'unknown', relayed: false })
  })
})

describe('isRelayed', () => {
  it('counts a connection the relay limits, or whose address goes through a relay, as relayed; WebRTC signalled through one as direct', () => {
    expect(isRelayed({ remoteAddr: `/ip4/1.2.3.4/tcp/4001/ws/p2p/${RELAY}`, limits: { bytes: 1n } })).toBe(true)
    expect(isRelayed({ remoteAddr: `/ip4/1.2.3.4/tcp/4001/ws/p2p/${RELAY}/p2p-circuit/p2p/${TARGET}` })).toBe(true)
    expect(isRelayed({ remoteAddr: `/ip4/1.2.3.4/tcp/4001/ws/p2p/${RELAY}/p2p-circuit/webrtc/p2p/${TARGET}` })).toBe(false)
    expect(isRelayed({ remoteAddr: `/ip4/1.2.3.4/tcp/4001/ws/p2p/${RELAY}` })).toBe(false)
  })
})
