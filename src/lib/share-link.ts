/**
 * Share links: the app's URL with `#/open?cid=…&name=…&size=…&peer=…[&relay=…]`.
 * The part after `#` never reaches a server, so what is shared (and by whom)
 * stays between the two browsers. `peer` is the sharer, so the opening browser
 * can dial it before asking anyone else, once the person who opened the link
 * has agreed to (OpenScreen.svelte): any site can navigate to such a link,
 * and dialling reveals this browser's IP address and peer ID to whoever
 * wrote it. The sharer is reached through a relay: the one `relay` names, or
 * (when the link names none, because the sharer's relay is one of the
 * deployment's bootstrap nodes) the opening browser's own relays. Links stay
 * short enough for a QR code a phone reads from a screen. `size`, when
 * present, is the number of bytes the fetch stores (every block of the DAG,
 * as its root's links declare them): the limit the fetch stops at.
 *
 * Older links list the sharer's full addresses as `addr`s; they still open.
 */
import { CID } from 'multiformats/cid'
import { InvalidShareLinkError } from './errors.ts'

export interface ShareLink {
  cid: string
  name?: string
  /** The sharer's peer ID, when the link names it. */
  peer?: string
  /** A relay the sharer holds a slot on (its address, ending in /p2p/<relay>), when the link names one. */
  relay?: string
  /** Multiaddrs of the sharer, each ending in /p2p/<its peer ID>: an older link's `addr`s. */
  addrs: string[]
  /** Bytes of the whole DAG (blocks included once per link, as the root declares them), when the link announces it. */
  size?: number
}

export const SHARE_ROUTE = '#/open'

/**
 * At most this many of a link's addresses are dialled; the node (src/node/fetcher.ts)
 * ignores the rest, so a link cannot make a browser knock on a long list of hosts.
 */
export const MAX_SHARER_ADDRS = 8

/** The addresses of a link that are dialled, and how many are ignored. */
export function addrsToDial (addrs: string[]): { dialled: string[], ignored: number } {
  return { dialled: addrs.slice(0, MAX_SHARER_ADDRS), ignored: Math.max(0, addrs.length - MAX_SHARER_ADDRS) }
}

/** The peer the link names as the sharer: its `peer`, or the last /p2p/ part of its first address that has one. */
export function sharerPeer (link: Pick<ShareLink, 'peer' | 'addrs'>): string | undefined {
  if (link.peer != null) return link.peer
  for (const addr of addrsToDial(link.addrs).dialled) {
    const at = addr.lastIndexOf('/p2p/')
    if (at < 0) continue
    const peer = addr.slice(at + 5).split('/')[0]
    if (peer !== '') return peer
  }
  return undefined
}

/**
 * The sharer's addresses through `relay`: a direct WebRTC connection
 * signalled through it first, then the relayed connection itself.
 */
export function addrsThroughRelay (relay: string, peer: string): string[] {
  return [`${relay}/p2p-circuit/webrtc/p2p/${peer}`, `${relay}/p2p-circuit/p2p/${peer}`]
}

/** Every address a link names for its sharer: its relay's first, then an older link's own. */
export function linkAddrs (link: ShareLink): string[] {
  const viaRelay = link.relay != null && link.peer != null ? addrsThroughRelay(link.relay, link.peer) : []
  return [...viaRelay, ...link.addrs]
}

/** Transports a browser can dial: WebSockets, WebTransport, WebRTC, or through a relay. */
const BROWSER_DIALABLE = /\/(ws|wss|tls\/ws|webtransport|webrtc|webrtc-direct|p2p-circuit)(\/|$)/

/** The sharer's addresses worth putting in a link: ones another browser can dial, naming the sharer. */
export function dialableAddrs (addrs: string[], peerId: string): string[] {
  return addrs.filter(addr => BROWSER_DIALABLE.test(addr) && addr.endsWith(`/p2p/${peerId}`))
}

/**
 * The relay to name in a link: one the sharer holds a slot on and another
 * browser can dial, unless it is one of `knownRelays` (the deployment's
 * bootstrap nodes, which every browser opening the link dials anyway).
 * Undefined when there is none to name.
 */
export function relayForLink (advertised: string[], peerId: string, knownRelays: string[]): string | undefined {
  const known = new Set(knownRelays.map(addr => addr.slice(addr.lastIndexOf('/p2p/') + 5)))
  const relays: string[] = []
  for (const addr of advertised) {
    const match = new RegExp(`^(/.+/p2p/([^/]+))/p2p-circuit/p2p/${peerId}$`).exec(addr)
    if (match == null || !BROWSER_DIALABLE.test(match[1])) continue
    if (known.has(match[2])) return undefined
    relays.push(match[1])
  }
  return relays[0]
}

export function buildShareLink (appUrl: string, link: Omit<ShareLink, 'addrs'> & { addrs?: string[] }): string {
  const base = new URL(appUrl)
  base.hash = ''
  const params = new URLSearchParams()
  params.set('cid', link.cid)
  if (link.name != null && link.name !== '') params.set('name', link.name)
  if (link.size != null) params.set('size', String(link.size))
  if (link.peer != null) params.set('peer', link.peer)
  if (link.relay != null) params.set('relay', link.relay)
  for (const addr of link.addrs ?? []) params.append('addr', addr)
  return `${base.href}${SHARE_ROUTE}?${params.toString()}`
}

/** Reads a share link, or just its hash; undefined when it is not one. Throws on a share link with a bad CID, peer, relay or size. */
export function parseShareLink (input: string): ShareLink | undefined {
  const hash = input.includes('#') ? input.slice(input.indexOf('#')) : input
  if (!hash.startsWith(`${SHARE_ROUTE}?`)) return undefined
  const params = new URLSearchParams(hash.slice(SHARE_ROUTE.length + 1))
  const cid = params.get('cid')
  if (cid == null || cid === '') return undefined
  try {
    CID.parse(cid)
  } catch {
    throw new InvalidShareLinkError(`The link's CID "${cid}" is not valid; ask the sharer for the link again`)
  }
  const link: ShareLink = { cid, name: params.get('name') ?? undefined, addrs: params.getAll('addr') }
  const peer = params.get('peer')
  if (peer != null) {
    // A base58btc multihash (12D3Koo…, Qm…) or a CIDv1 of a libp2p key: letters and digits only.
    if (!/^[1-9A-HJ-NP-Za-km-z]{40,64}$|^b[a-z2-7]{50,70}$/.test(peer)) throw new InvalidShareLinkError(`The link's peer "${peer.slice(0, 80)}" is not a peer ID; ask the sharer for the link again`)
    link.peer = peer
  }
  const relay = params.get('relay')
  if (relay != null) {
    if (link.peer == null || !/^\/[^\s]+\/p2p\/[^/\s]+$/.test(relay) || relay.includes('/p2p-circuit')) {
      throw new InvalidShareLinkError(`The link's relay "${relay.slice(0, 120)}" is not a relay's address with its peer ID; ask the sharer for the link again`)
    }
    link.relay = relay
  }
  const size = params.get('size')
  if (size != null) {
    // Digits only: "1e3", "0x10", " 5" and negative numbers are not sizes a sharer writes.
    if (!/^\d{1,16}$/.test(size) || !Number.isSafeInteger(Number(size))) {
      throw new InvalidShareLinkError(`The link's size "${size}" is not a number of bytes; ask the sharer for the link again`)
    }
    link.size = Number(size)
  }
  return link
}
