/**
 * What a user does with peers by hand: connect to an address, ping a peer.
 * libp2p does the work (its dialer, its ping service); this turns its answers
 * and failures into what the Peers screen shows.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { DialFailedError, InvalidAddressError, TimeoutError } from '../lib/errors.ts'
import { isRelayed, transportName } from '../lib/transport-name.ts'
import type { PollenHelia } from './create-node.ts'
import type { ConnectionInfo } from '../lib/protocol.ts'
import type { Connection, PeerId } from '@libp2p/interface'

export const DEFAULT_CONNECT_TIMEOUT_MS = 15_000
export const DEFAULT_PING_TIMEOUT_MS = 10_000

export function connectionInfo (conn: Connection): ConnectionInfo {
  const remoteAddr = conn.remoteAddr.toString()
  return {
    id: conn.id,
    peer: conn.remotePeer.toString(),
    remoteAddr,
    transport: transportName(remoteAddr).transport,
    direction: conn.direction,
    relayed: isRelayed(conn),
    latency: conn.rtt,
    opened: conn.timeline.open
  }
}

function parseAddress (addr: string): Multiaddr {
  try {
    return multiaddr(addr.trim())
  } catch {
    throw new InvalidAddressError(`"${addr}" is not a multiaddr. Paste one like /ip4/203.0.113.7/udp/4001/webrtc-direct/certhash/…/p2p/12D3Koo…`)
  }
}

function parsePeer (peer: string): PeerId {
  try {
    return peerIdFromString(peer)
  } catch {
    throw new InvalidAddressError(`"${peer}" is not a peer ID`)
  }
}

/** The timeout of ours ran out (not the caller's cancel, not libp2p's own error). */
function timedOut (signal: AbortSignal, timeout: AbortSignal): boolean {
  return !signal.aborted && timeout.aborted
}

/**
 * Dials the address and returns the connection; one the node already has to
 * that peer is reused, as libp2p does for every dial.
 */
export async function connectTo (helia: PollenHelia, addr: string, signal: AbortSignal): Promise<ConnectionInfo> {
  const ma = parseAddress(addr)
  const timeout = AbortSignal.timeout(DEFAULT_CONNECT_TIMEOUT_MS)
  try {
    return connectionInfo(await helia.libp2p.dial(ma, { signal: AbortSignal.any([signal, timeout]) }))
  } catch (err) {
    if (timedOut(signal, timeout)) throw new TimeoutError(`Could not connect to ${ma.toString()}: no answer within ${DEFAULT_CONNECT_TIMEOUT_MS / 1000} s`)
    if (signal.aborted) throw err
    if (/gater/i.test((err as Error).message)) {
      throw new DialFailedError(`Could not connect to ${ma.toString()}: it is a loopback or private-network address, which this node dials only with "Dial loopback and private-network addresses" on in Settings.`)
    }
    throw new DialFailedError(`Could not connect to ${ma.toString()}: ${(err as Error).message}. Check that the node is up and the address current (a /certhash changes with the node's certificate).`)
  }
}

/** Round-trip time to the peer in milliseconds, over the connection libp2p picks (direct ones first). */
export async function pingPeer (helia: PollenHelia, peer: string, signal: AbortSignal): Promise<{ rttMs: number }> {
  const id = parsePeer(peer)
  const timeout = AbortSignal.timeout(DEFAULT_PING_TIMEOUT_MS)
  try {
    return { rttMs: await helia.libp2p.services.ping.ping(id, { signal: AbortSignal.any([signal, timeout]) }) }
  } catch (err) {
    if (timedOut(signal, timeout)) throw new TimeoutError(`The peer ${peer} did not answer within ${DEFAULT_PING_TIMEOUT_MS / 1000} s`)
    throw err
  }
}
