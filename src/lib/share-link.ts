/**
 * Share links: the app's URL with `#/open?cid=…&name=…&size=…&addr=…`. The
 * part after `#` never reaches a server, so what is shared (and by whom)
 * stays between the two browsers. The addresses are the sharer's, so the
 * opening browser can dial it before asking anyone else, once the person
 * who opened the link has agreed to (OpenScreen.svelte): any site can
 * navigate to such a link, and dialling reveals this browser's IP address
 * and peer ID to whoever wrote it. `size`, when present, is the number of
 * bytes the fetch stores (every block of the DAG, as its root's links
 * declare them): the limit the fetch stops at.
 */
import { CID } from 'multiformats/cid'
import { InvalidShareLinkError } from './errors.ts'

export interface ShareLink {
  cid: string
  name?: string
  /** Multiaddrs of the sharer, each ending in /p2p/<its peer ID>. */
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

/** The peer the link names as the sharer: the last /p2p/ part of its first address that has one. */
export function sharerPeer (addrs: string[]): string | undefined {
  for (const addr of addrsToDial(addrs).dialled) {
    const at = addr.lastIndexOf('/p2p/')
    if (at < 0) continue
    const peer = addr.slice(at + 5).split('/')[0]
    if (peer !== '') return peer
  }
  return undefined
}

/** Transports a browser can dial: WebSockets, WebTransport, WebRTC, or through a relay. */
const BROWSER_DIALABLE = /\/(ws|wss|tls\/ws|webtransport|webrtc|webrtc-direct|p2p-circuit)(\/|$)/

/** The sharer's addresses worth putting in a link: ones another browser can dial, naming the sharer. */
export function dialableAddrs (addrs: string[], peerId: string): string[] {
  return addrs.filter(addr => BROWSER_DIALABLE.test(addr) && addr.endsWith(`/p2p/${peerId}`))
}

export function buildShareLink (appUrl: string, link: ShareLink): string {
  const base = new URL(appUrl)
  base.hash = ''
  const params = new URLSearchParams()
  params.set('cid', link.cid)
  if (link.name != null && link.name !== '') params.set('name', link.name)
  if (link.size != null) params.set('size', String(link.size))
  for (const addr of link.addrs) params.append('addr', addr)
  return `${base.href}${SHARE_ROUTE}?${params.toString()}`
}

/** Reads a share link, or just its hash; undefined when it is not one. Throws on a share link with a bad CID. */
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
