/**
 * Share links: the app's URL with `#/open?cid=…&name=…&addr=…`. The part
 * after `#` never reaches a server, so what is shared (and by whom) stays
 * between the two browsers. The addresses are the sharer's, so the opening
 * browser can dial it before asking anyone else.
 */
import { CID } from 'multiformats/cid'
import { InvalidShareLinkError } from './errors.ts'

export interface ShareLink {
  cid: string
  name?: string
  /** Multiaddrs of the sharer, each ending in /p2p/<its peer ID>. */
  addrs: string[]
}

export const SHARE_ROUTE = '#/open'

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
  return { cid, name: params.get('name') ?? undefined, addrs: params.getAll('addr') }
}
