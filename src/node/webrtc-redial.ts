/**
 * Host handover, the node's side (DESIGN.md §4): the peer connections of the
 * node live in one page, so when that page closes its WebRTC connections end
 * with it. The node itself stays up in its SharedWorker; this re-makes those
 * connections through the page that hosts next, so a transfer in progress
 * goes on over a direct connection instead of falling back to the relay.
 */
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { onWebRtcHostChange, onWebRtcHostLost } from './webrtc-hosting.ts'
import type { Libp2p, PeerId } from '@libp2p/interface'

/** Connections lost longer ago than this are not re-made: whatever used them has moved on. */
export const DEFAULT_REDIAL_WITHIN_MS = 60_000
export const DEFAULT_REDIAL_TIMEOUT_MS = 15_000

interface Lost {
  peer: PeerId
  /** The address dialled, for a WebRTC-direct connection this node made: dialled again as it is. */
  direct?: Multiaddr
  at: number
}

function names (addr: Multiaddr): string[] {
  return addr.getComponents().map(c => c.name)
}

/** Connections whose peer connection lives in the host page. */
function usesHostPage (addr: Multiaddr): boolean {
  const all = names(addr)
  return all.includes('webrtc') || all.includes('webrtc-direct')
}

export class WebRtcRedialer {
  private readonly lost = new Map<string, Lost>()
  private readonly unsubscribe: Array<() => void>

  constructor (private readonly libp2p: Libp2p, private readonly log: (message: string) => void = () => {}) {
    this.unsubscribe = [
      onWebRtcHostLost(() => { this.remember() }),
      onWebRtcHostChange(hosted => { if (hosted) void this.redial() })
    ]
  }

  stop (): void {
    for (const unsubscribe of this.unsubscribe) unsubscribe()
    this.lost.clear()
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
      if (addrs.length === 0) return
      try {
        await this.libp2p.dial(addrs, { signal: AbortSignal.timeout(DEFAULT_REDIAL_TIMEOUT_MS) })
      } catch (err) {
        this.log(`could not re-make the WebRTC connection to ${entry.peer.toString()}: ${(err as Error).message}`)
      }
    }))
  }

  /** The peer's /p2p-circuit/webrtc addresses (WebRTC signalled through its relay), as identify told them. */
  private async signalledAddrs (peer: PeerId): Promise<Multiaddr[]> {
    try {
      const { addresses } = await this.libp2p.peerStore.get(peer)
      const suffix = `/p2p/${peer.toString()}`
      return addresses
        .map(({ multiaddr: addr }) => addr)
        .filter(addr => { const all = names(addr); return all.includes('p2p-circuit') && all.includes('webrtc') })
        .map(addr => addr.toString().endsWith(suffix) ? addr : multiaddr(`${addr.toString()}${suffix}`))
    } catch {
      return []
    }
  }
}
