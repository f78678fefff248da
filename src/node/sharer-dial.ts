/**
 * Reaches the sharer a share link names, before a fetch asks it for blocks:
 * at the link's addresses and through this node's own relays (a short link
 * names the peer only), upgraded to a direct WebRTC connection when the
 * sharer announces one; then at whatever addresses the routers know for it.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { InvalidShareLinkError } from '../lib/errors.ts'
import { addrsThroughRelay, addrsToDial } from '../lib/share-link.ts'
import { isRelayed } from '../lib/transport-name.ts'
import type { SharerDial, SharerDialStep } from '../lib/protocol.ts'
import type { Connection, IdentifyResult, PeerId } from '@libp2p/interface'
import type { PollenHelia } from './create-node.ts'

/** How long dialling the sharer may take before the fetch goes on without it. */
export const DEFAULT_SHARER_DIAL_TIMEOUT_MS = 15_000
/** How long to wait for identify to tell whether the sharer, reached through a relay, announces WebRTC. */
export const DEFAULT_IDENTIFY_WAIT_MS = 5000

export interface SharerDialerInit {
  libp2p: PollenHelia['libp2p']
  routing: PollenHelia['routing']
  bootstrap: string[]
  /** Peer IDs of the relays holding a slot for this node. */
  relays?: () => string[]
}

export interface SharerDialResult {
  /** What the source list says of the sharer; absent when the link names none. */
  sharer?: SharerDial
}

/**
 * The share-link addresses that are dialled: the first MAX_SHARER_ADDRS, the
 * rest ignored unread. Refuses ones that are not multiaddrs with a peer ID.
 */
export function sharerAddrs (addrs: string[]): Multiaddr[] {
  return addrsToDial(addrs).dialled.map(text => {
    let addr: Multiaddr
    try {
      addr = multiaddr(text)
    } catch {
      throw new InvalidShareLinkError(`"${text}" in the link is not a multiaddr`)
    }
    if (addr.getComponents().findLast(c => c.name === 'p2p') == null) throw new InvalidShareLinkError(`"${text}" in the link names no peer`)
    return addr
  })
}

/**
 * @libp2p/webrtc's progress events of a signalled dial, in words: where an
 * attempt that failed or was given up had got to. Between exchanging
 * candidates and closing the signalling stream, the dial waits for the peer
 * connection and then opens and closes its `init` data channel.
 */
const CANDIDATES_STEP = 'exchanging ICE candidates, then opening and closing the init channel'
const WEBRTC_STEPS: Record<string, string> = {
  'webrtc:open-signaling-stream': 'opening the signalling stream',
  'webrtc:send-sdp-offer': 'sending the SDP offer',
  'webrtc:read-sdp-answer': 'waiting for the SDP answer',
  'webrtc:read-ice-candidates': CANDIDATES_STEP,
  'webrtc:add-ice-candidate': CANDIDATES_STEP,
  'webrtc:end-of-ice-candidates': CANDIDATES_STEP,
  'webrtc:close-signaling-stream': 'closing the signalling stream, then upgrading the connection'
}

/** A libp2p dial's progress events, by name (@libp2p/webrtc's are not in the dial's own types). */
type DialProgress = (event: { type: string }) => void
type Mark = (step: SharerDialStep['step'], reached?: string) => void

/**
 * Follows a dial's progress events: each signalled WebRTC attempt (libp2p
 * tries the peer's addresses one after another, each for a while) starts by
 * opening a signalling stream; one that starts while another was under way
 * means that one was given up.
 */
function followWebRtcAttempts (mark: Mark): { onProgress: DialProgress, reached: () => string | undefined } {
  let reached: string | undefined
  return {
    onProgress: event => {
      const words = WEBRTC_STEPS[event.type]
      if (words == null) return
      if (event.type === 'webrtc:open-signaling-stream' && reached != null) mark('direct attempt given up', reached)
      reached = words
    },
    reached: () => reached
  }
}

/** An address for WebRTC signalled through a relay. */
function isSignalledWebRtc (addr: Multiaddr): boolean {
  const names = addr.getComponents().map(c => c.name)
  return names.includes('p2p-circuit') && names.includes('webrtc')
}

/** The peer an address ends with (the last /p2p/ part), if it names one. */
function lastPeer (addr: Multiaddr): string | undefined {
  return addr.getComponents().findLast(c => c.name === 'p2p')?.value
}


export class SharerDialer {
  constructor (private readonly init: SharerDialerInit) {}

  /**
   * Reaches the sharer: at the link's addresses and through this node's own
   * relays (a short link names the peer only), a direct WebRTC connection
   * first; then at whatever addresses the routers know for it.
   */
  async dial (addrs: string[], sharerId: string | undefined, signal: AbortSignal): Promise<SharerDialResult> {
    if (addrs.length === 0 && sharerId == null) return {}
    const parsed = sharerAddrs(addrs)
    const { ignored } = addrsToDial(addrs)
    const peer = sharerId ?? lastPeer(parsed[0])!
    let peerId: PeerId
    try {
      peerId = peerIdFromString(peer)
    } catch {
      throw new InvalidShareLinkError(`"${peer}" in the link is not a peer ID`)
    }
    const named = parsed.filter(addr => lastPeer(addr) === peer)
    const mine = [...named, ...this.throughOwnRelays(peer).filter(addr => !named.some(known => known.equals(addr)))]
    const noted = ignored > 0 ? { ignoredAddrs: ignored } : {}
    if (peer === this.init.libp2p.peerId.toString()) return { sharer: { peer, reached: false, error: 'that is this browser: the content is local', ...noted } }
    const errors: unknown[] = []
    const started = performance.now()
    const steps: SharerDialStep[] = []
    const mark: Mark = (step, reached) => { steps.push({ step, ms: Math.round(performance.now() - started), ...(reached != null ? { reached } : {}) }) }
    const dial = async (addrs: Multiaddr[], onProgress?: DialProgress): Promise<Connection> => await this.init.libp2p.dial(addrs, { signal: AbortSignal.any([signal, AbortSignal.timeout(DEFAULT_SHARER_DIAL_TIMEOUT_MS)]), onProgress })
    const attempt = async (candidates: Multiaddr[]): Promise<Required<SharerDialResult> | undefined> => {
      // An older link that lists WebRTC addresses says the sharer hosted WebRTC: a direct connection is tried first.
      const listedDirect = named.filter(isSignalledWebRtc)
      const relayedFirst = candidates.filter(addr => !isSignalledWebRtc(addr))
      const tries = listedDirect.length > 0
        ? (listedDirect.length < candidates.length ? [listedDirect, candidates] : [candidates])
        : [relayedFirst.length > 0 ? relayedFirst : candidates]
      for (const tried of tries) {
        try {
          let conn = await dial(tried)
          mark(isRelayed(conn) ? 'relayed' : 'direct')
          // Otherwise the relayed connection first, then WebRTC signalled over it if the sharer announces it
          // (identify tells): a sharer without WebRTC (WebKit) is not waited on in vain.
          if (isRelayed(conn) && tried !== listedDirect) conn = await this.upgradeToWebRtc(conn, identify.addrsFor, dial, errors, mark, signal)
          const relayed = isRelayed(conn)
          const directError = relayed && errors.length > 0 ? (errors[0] as Error).message : undefined
          return { sharer: { peer, reached: true, addr: conn.remoteAddr.toString(), relayed, directError, steps, ...noted } }
        } catch (err) {
          signal.throwIfAborted()
          errors.push(err)
        }
      }
      return undefined
    }
    const identify = this.watchIdentify(peer)
    let reached: Awaited<ReturnType<typeof attempt>>
    try {
      reached = mine.length > 0 ? await attempt(mine) : undefined
      if (reached == null) {
        const routed = await this.routedAddrs(peerId, signal)
        mark('routers asked')
        if (routed.length > 0) reached = await attempt(routed)
      }
    } finally {
      identify.stop()
    }
    if (reached != null) return reached
    const lastError = errors.at(-1) as Error | undefined
    return { sharer: { peer, reached: false, error: lastError?.message ?? 'no relay of this browser, and no router, knows an address for it', steps, ...noted } }
  }

  /**
   * The sharer through this node's own relays, where it most likely holds a
   * slot too: those holding a slot for this node and the bootstrap nodes, at
   * the address this node is connected to them on, else (a page that just
   * opened may not be connected yet) at their bootstrap address.
   */
  private throughOwnRelays (peer: string): Multiaddr[] {
    const bases = new Map<string, string>()
    const reserved = new Set(this.init.relays?.() ?? [])
    for (const addr of this.init.bootstrap) {
      const relay = addr.slice(addr.lastIndexOf('/p2p/') + 5)
      if (relay !== peer) bases.set(relay, addr)
    }
    for (const conn of this.init.libp2p.getConnections()) {
      const relay = conn.remotePeer.toString()
      if ((!reserved.has(relay) && !bases.has(relay)) || isRelayed(conn) || relay === peer) continue
      bases.set(relay, lastPeer(conn.remoteAddr) === relay ? conn.remoteAddr.toString() : `${conn.remoteAddr.toString()}/p2p/${relay}`)
    }
    const addrs: Multiaddr[] = []
    for (const base of bases.values()) {
      try {
        addrs.push(...addrsThroughRelay(base, peer).map(text => multiaddr(text)))
      } catch {}
    }
    return addrs
  }

  /**
   * A direct WebRTC connection signalled over `relayed`, when the sharer
   * announces one (the dial waits for a page of this node to host it);
   * `relayed` otherwise, or when the WebRTC dial fails (its error noted).
   */
  private async upgradeToWebRtc (relayed: Connection, announced: (conn: Connection, signal: AbortSignal) => Promise<Multiaddr[] | undefined>, dial: (addrs: Multiaddr[], onProgress?: DialProgress) => Promise<Connection>, errors: unknown[], mark: Mark, signal: AbortSignal): Promise<Connection> {
    const peer = relayed.remotePeer.toString()
    const addrs = await announced(relayed, signal)
    mark(addrs == null ? 'identify timed out' : 'identified')
    const signalled = (addrs ?? []).filter(isSignalledWebRtc).map(addr => lastPeer(addr) === peer ? addr : addr.encapsulate(`/p2p/${peer}`))
    if (signalled.length === 0) return relayed
    const attempts = followWebRtcAttempts(mark)
    try {
      const direct = await dial(signalled, attempts.onProgress)
      mark('direct')
      return direct
    } catch (err) {
      signal.throwIfAborted()
      errors.push(err)
      mark('direct failed', attempts.reached())
      return relayed
    }
  }

  /**
   * Starts listening for identify (which libp2p runs on every new
   * connection, often before the dial that made it returns) on connections to
   * `peer`; `addrsFor(conn)` then gives what the peer announced on `conn` (on a
   * connection identified before the watch, what the peer store holds from it),
   * waiting for it up to DEFAULT_IDENTIFY_WAIT_MS (undefined when it did not come).
   */
  private watchIdentify (peer: string): { addrsFor: (conn: Connection, signal: AbortSignal) => Promise<Multiaddr[] | undefined>, stop: () => void } {
    const libp2p = this.init.libp2p
    const results = new Map<string, Multiaddr[]>()
    const waiting = new Map<string, (addrs: Multiaddr[]) => void>()
    const identified = (event: CustomEvent<IdentifyResult>): void => {
      if (event.detail.peerId.toString() !== peer) return
      results.set(event.detail.connection.id, event.detail.listenAddrs)
      waiting.get(event.detail.connection.id)?.(event.detail.listenAddrs)
    }
    libp2p.addEventListener('peer:identify', identified)
    const watching = Date.now()
    return {
      addrsFor: async (conn, signal) => {
        const known = results.get(conn.id)
        if (known != null) return known
        // A connection open before this watch (libp2p answers a dial with it) was
        // likely identified already, and identify runs once per connection: what it
        // told is in the peer store (whose protocols only identify fills in).
        if (conn.timeline.open < watching) {
          const stored = await libp2p.peerStore.get(conn.remotePeer).catch(() => undefined)
          if (stored != null && stored.protocols.length > 0) return stored.addresses.map(address => address.multiaddr)
        }
        return await new Promise<Multiaddr[] | undefined>(resolve => {
          const finish = (addrs: Multiaddr[] | undefined): void => {
            clearTimeout(timer)
            waiting.delete(conn.id)
            signal.removeEventListener('abort', aborted)
            resolve(addrs)
          }
          const aborted = (): void => { finish([]) }
          const timer = setTimeout(() => { finish(undefined) }, DEFAULT_IDENTIFY_WAIT_MS)
          waiting.set(conn.id, finish)
          signal.addEventListener('abort', aborted)
        })
      },
      stop: () => { libp2p.removeEventListener('peer:identify', identified) }
    }
  }

  /** The addresses the routers (delegate routers, the DHT when on) know for the sharer. */
  private async routedAddrs (peerId: PeerId, signal: AbortSignal): Promise<Multiaddr[]> {
    try {
      const found = await this.init.routing.findPeer(peerId.toCID(), { signal: AbortSignal.any([signal, AbortSignal.timeout(DEFAULT_SHARER_DIAL_TIMEOUT_MS)]) })
      return found.multiaddrs.map(addr => lastPeer(addr) === peerId.toString() ? addr : addr.encapsulate(`/p2p/${peerId.toString()}`))
    } catch {
      signal.throwIfAborted()
      return []
    }
  }

}
