/** Names the transport of a connection from its remote multiaddr, for people. */
import { multiaddr } from '@multiformats/multiaddr'

export function transportName (address: string): { transport: string, relayed: boolean } {
  let names: string[]
  try {
    names = multiaddr(address).getComponents().map(c => c.name)
  } catch {
    return { transport: 'unknown', relayed: false }
  }
  const relayed = names.includes('p2p-circuit')
  // WebRTC signalled through a relay is a direct connection, whatever carried
  // the signalling (a relay reached over WebSockets or over WebRTC-direct).
  const afterHop = relayed ? names.slice(names.lastIndexOf('p2p-circuit') + 1) : names
  if (afterHop.includes('webrtc')) return { transport: 'WebRTC', relayed: false }
  // After a relay hop, the transport that matters is the one to the relay.
  const own = relayed ? names.slice(0, names.indexOf('p2p-circuit')) : names
  let transport = 'unknown'
  if (own.includes('webtransport')) transport = 'WebTransport'
  else if (own.includes('webrtc-direct')) transport = 'WebRTC direct'
  else if (own.includes('wss') || (own.includes('tls') && own.includes('ws'))) transport = 'secure WebSocket'
  else if (own.includes('ws')) transport = 'WebSocket'
  else if (own.includes('tcp')) transport = 'TCP'
  else if (own.includes('quic-v1')) transport = 'QUIC'
  if (relayed) return { transport: `relayed via ${transport}`, relayed: true }
  return { transport, relayed: false }
}

/**
 * Whether a connection goes through a relay: the relay limits it, or its
 * address says so. WebRTC signalled through a relay is direct.
 */
export function isRelayed (conn: { remoteAddr: { toString: () => string }, limits?: unknown }): boolean {
  return conn.limits != null || transportName(conn.remoteAddr.toString()).relayed
}
