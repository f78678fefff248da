/**
 * Keeps browser peers on direct WebRTC connections rather than relayed ones:
 * a relay limits time and bytes and exists to set up something better.
 *
 * - Upgrade: when this node reached a peer through a relay and the peer
 *   advertises a /p2p-circuit/webrtc address (identify tells), it dials that:
 *   WebRTC signalled over the relayed connection. Only the side that dialled
 *   the relayed connection does, so two browsers do not make two. A relayed
 *   connection identified while no page hosted WebRTC is upgraded when one
 *   starts hosting.
 * - Host handover (DESIGN.md §4): the node's peer connections live in one
 *   page, so when that page closes its WebRTC connections end with it. The
 *   node stays up in its SharedWorker and re-makes them through the page that
 *   hosts next, so a transfer goes on over a direct connection.
 */
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { isRelayed } from '../lib/transport-name.ts'
import { onWebRtcHostChange, onWebRtcHostLost, webRtcHostSince } from './webrtc-hosting.ts'
import type { Connection, IdentifyResult, Libp2p, PeerId } from '@libp2p/interface'

/** Connections lost longer ago than this are not re-made: whatever used them has moved on. */
export const DEFAULT_REDIAL_WITHIN_MS = 60_000
export const DEFAULT_DIAL_TIMEOUT_MS = 15_000

interface Lost {
  peer: PeerId
  /** The address dialled, for a WebRTC-direct connection this node made: dialled again as it is. */
  direct?: Multiaddr
  at: number
}

function withPeer (addr: Multiaddr, peer: PeerId): Multiaddr {
  const suffix = `/p2p/${peer.toString()}`
  return addr.toString().endsWith(suffix) ? addr : multiaddr(`${addr.toString()}${suffix}`)
}

function names (addr: Multiaddr): string[] {
  return addr.getComponents().map(c => c.name)
}

/** Connections whose peer connection lives in the host page. */
function usesHostPage (addr: Multiaddr): boolean {
  const all = names(addr)
  return all.includes('webrtc') || all.includes('webrtc-direct')
}

/** An address for WebRTC signalled through the peer's relay. */
function isSignalled (addr: Multiaddr): boolean {
  const all = names(addr)
  return all.includes('p2p-circuit') && all.includes('webrtc')
}

function isOpenDirect (conn: Connection): boolean {
  return conn.status === 'open' && !isRelayed(conn)
}

export class DirectConnections {
  private readonly lost = new Map<string, Lost>()
  private readonly upgrading = new Set<string>()
  private readonly unsubscribe: Array<() => void>

  constructor (private readonly libp2p: Libp2p, private readonly log: (message: string) => void = () => {}) {
    const identified = (event: CustomEvent<IdentifyResult>): void => { void this.upgrade(event.detail) }
    libp2p.addEventListener('peer:identify', identified)
    this.unsubscribe = [
      onWebRtcHostLost(() => { this.remember() }),
      onWebRtcHostChange(hosted => { if (hosted) void this.redial().then(async () => { await this.upgradeRelayed() }) }),
      () => { libp2p.removeEventListener('peer:identify', identified) }
    ]
  }

  stop (): void {
    for (const unsubscribe of this.unsubscribe) unsubscribe()
    this.lost.clear()
  }

  private async upgrade ({ peerId, listenAddrs, connection }: Pick<IdentifyResult, 'peerId' | 'listenAddrs' | 'connection'>): Promise<void> {
    const peer = peerId.toString()
    if (connection.limits == null || connection.direction !== 'outbound' || webRtcHostSince() == null) return
    if (this.upgrading.has(peer) || this.libp2p.getConnections(peerId).some(isOpenDirect)) return
    // A WebRTC dial under way (a share link's fetch makes one) opens the very relayed connection identify ran over.
    if (this.libp2p.getDialQueue().some(dial => dial.peerId?.equals(peerId) === true)) return
    const addrs = listenAddrs.filter(isSignalled).map(addr => withPeer(addr, peerId))
    if (addrs.length === 0) return
    this.upgrading.add(peer)
    await this.dial(addrs, `could not upgrade the relayed connection to ${peer} to WebRTC`)
    this.upgrading.delete(peer)
  }

  /** Upgrades the relayed connections this node dialled, with what identify stored of each peer's addresses. */
  private async upgradeRelayed (): Promise<void> {
    await Promise.all(this.libp2p.getConnections().filter(conn => conn.status === 'open' && conn.limits != null).map(async connection => {
      const listenAddrs = await this.signalledAddrs(connection.remotePeer)
      await this.upgrade({ peerId: connection.remotePeer, listenAddrs, connection })
    }))
  }

  /** Dials; a failure is only logged, as the connection it would replace (or none) goes on. */
  private async dial (addrs: Multiaddr[], failure: string): Promise<void> {
    try {
      await this.libp2p.dial(addrs, { signal: AbortSignal.timeout(DEFAULT_DIAL_TIMEOUT_MS) })
    } catch (err) {
      this.log(`${failure}: ${(err as Error).message}`)
    }
  }

  private remember (): void {
    for (const conn of this.libp2p.getConnections()) {
      if (conn.status !== 'open' || !usesHostPage(conn.remoteAddr)) continue
      const outboundDirect = conn.direction === 'outbound' && names(conn.remoteAddr).includes('webrtc-direct')
      this.lost.set(conn.remotePeer.toString(), { peer: conn.remotePeer, direct: outboundDirect ? conn.remoteAddr : undefined, at: Date.now() })
    }
  }

  private async redial (): Promise<void> {
    const now = Date.now()
    const lost = [...this.lost.values()].filter(entry => now - entry.at < DEFAULT_REDIAL_WITHIN_MS)
    this.lost.clear()
    await Promise.all(lost.map(async entry => {
      const addrs = entry.direct != null ? [entry.direct] : await this.signalledAddrs(entry.peer)
      if (addrs.length > 0) await this.dial(addrs, `could not re-make the WebRTC connection to ${entry.peer.toString()}`)
    }))
  }

  /** The peer's /p2p-circuit/webrtc addresses, as identify told them. */
  private async signalledAddrs (peer: PeerId): Promise<Multiaddr[]> {
    try {
      const { addresses } = await this.libp2p.peerStore.get(peer)
      return addresses.map(({ multiaddr: addr }) => addr).filter(isSignalled).map(addr => withPeer(addr, peer))
    } catch {
      return []
    }
  }
}
