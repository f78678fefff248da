// @ts-check
/**
 * The one parser of the hosts Pollen answers on, used by the static server,
 * both service workers, the boot document and the bridge, so that none of
 * them can take a host for something the others do not. (Plain JavaScript
 * with checked JSDoc types: the static server runs in Node.js without a build.)
 *
 *   app.host                → the app origin
 *   <label>.ipfs.app.host   → a content origin; the label is a CID
 *   <label>.ipns.app.host   → a content origin; the label is an IPNS key, or a
 *                             DNSLink domain inlined ('-' as '--', '.' as '-')
 *   <domain>.ipns.app.host  → a content origin for a DNSLink domain as it is
 *                             (several labels: no TLS certificate covers it,
 *                             so links go to the inlined form; it is served)
 *
 * Any other host whose second label is `ipfs` or `ipns` is invalid and gets
 * a 400 everywhere: a label the gateway never writes, or a content host
 * nested in another. (So an app host cannot itself have `ipfs` as its
 * second label, nor `ipns` as any label but its first.)
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { base36 } from 'multiformats/bases/base36'
import { CID } from 'multiformats/cid'

/** A DNS label holds at most 63 characters (RFC 1035). */
export const MAX_DNS_LABEL_LENGTH = 63
/** The multicodec of a libp2p public key, as an IPNS name's CID carries it. */
const LIBP2P_KEY_CODEC = 0x72
/** A DNS name holds at most 253 characters. */
export const MAX_DNS_NAME_LENGTH = 253

/** @typedef {'ipfs' | 'ipns'} Namespace */
/**
 * @typedef {{ kind: 'app' }
 *   | { kind: 'content', label: string, namespace: Namespace, root: string, appHost: string }
 *   | { kind: 'invalid', reason: string }} HostKind
 */

const NAMESPACED_HOST = /^([^.]*)\.(ipfs|ipns)\.(.*)$/
/** A DNSLink name not inlined, `docs.example.org.ipns.app.host`, as a subdomain gateway takes it too. */
const FQDN_IPNS_HOST = /^(.+?)\.ipns\.(.*)$/
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/
/** A host name with an optional port, as a Host header may carry it (an IPv6 literal in brackets). */
const HOST_HEADER = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i

/**
 * What a host name is to Pollen.
 * @param {string} hostname without port
 * @returns {HostKind}
 */
export function classifyHost (hostname) {
  const host = hostname.toLowerCase()
  const fqdn = FQDN_IPNS_HOST.exec(host)
  if (NAMESPACED_HOST.exec(host) == null && fqdn != null) {
    if (!isDnsName(fqdn[1])) return { kind: 'invalid', reason: `"${fqdn[1]}" is not a DNS name, so ${host} is not a content origin of this gateway.` }
    if (fqdn[2] === '' || NAMESPACED_HOST.test(fqdn[2]) || FQDN_IPNS_HOST.test(fqdn[2])) {
      return { kind: 'invalid', reason: `${host} is not a content origin of this gateway: a content origin sits directly under the app's host, never inside another.` }
    }
    return { kind: 'content', label: fqdn[1], namespace: 'ipns', root: fqdn[1], appHost: fqdn[2] }
  }
  const match = NAMESPACED_HOST.exec(host)
  if (match == null) return { kind: 'app' }
  const [, label, namespace, appHost] = match
  if (appHost === '' || NAMESPACED_HOST.test(appHost)) {
    return { kind: 'invalid', reason: `${host} is not a content origin of this gateway: a content origin sits directly under the app's host, never inside another.` }
  }
  const root = rootOfLabel(/** @type {Namespace} */ (namespace), label)
  if (root == null) {
    return {
      kind: 'invalid',
      reason: namespace === 'ipfs'
        ? `"${label}" is not a valid CID, so ${host} is not a content origin of this gateway.`
        : `"${label}" is neither an IPNS key nor an inlined DNSLink domain, so ${host} is not a content origin of this gateway.`
    }
  }
  return { kind: 'content', label, namespace: /** @type {Namespace} */ (namespace), root, appHost }
}

/**
 * The label a content origin should have when its own spells its root
 * another way (an IPNS key as a dag-pb CID, say): one origin per root.
 * @param {HostKind} host
 * @returns {string | undefined} undefined when the label is canonical
 */
export function canonicalLabel (host) {
  if (host.kind !== 'content' || host.namespace !== 'ipns') return undefined
  const key = ipnsKey(host.label)
  return key == null || key === host.label ? undefined : key
}

/**
 * A Host header split into name and port; undefined when it is not a plain
 * host name (nothing of it may reach a header or a page unchecked).
 * @param {string} header
 * @returns {{ hostname: string, port: string } | undefined}
 */
export function parseHostHeader (header) {
  if (!HOST_HEADER.test(header)) return undefined
  const colon = header.lastIndexOf(':')
  const hasPort = colon > header.lastIndexOf(']')
  return { hostname: (hasPort ? header.slice(0, colon) : header).toLowerCase(), port: hasPort ? header.slice(colon + 1) : '' }
}

/**
 * The root a content origin's label names; undefined when the gateway could not have written it.
 * @param {Namespace} namespace
 * @param {string} label
 * @returns {string | undefined}
 */
export function rootOfLabel (namespace, label) {
  if (label === '' || label.length > MAX_DNS_LABEL_LENGTH) return undefined
  if (namespace === 'ipfs') return isCid(label) ? label : undefined
  if (ipnsKey(label) != null) return label
  // An inlined DNSLink domain always has a '-' (its dots became dashes).
  if (!/^[a-z0-9-]+$/.test(label) || !label.includes('-')) return undefined
  const domain = label.replaceAll('--', '\u0000').replaceAll('-', '.').replaceAll('\u0000', '-')
  return isDnsName(domain) ? domain : undefined
}

/**
 * A DNS name as DNSLink uses it: two labels or more, each of [a-z0-9-],
 * neither starting nor ending with '-' (case-insensitive).
 * @param {string} name
 * @returns {boolean}
 */
export function isDnsName (name) {
  if (name.length > MAX_DNS_NAME_LENGTH) return false
  const labels = name.toLowerCase().split('.')
  return labels.length >= 2 && labels.every(label => DNS_LABEL.test(label))
}

/**
 * An IPNS key (a libp2p-key CID or a peer ID) as a base36 CID; undefined when `name` is none.
 * @param {string} name
 * @returns {string | undefined}
 */
export function ipnsKey (name) {
  try {
    // Whatever codec the CID names (a dag-pb CIDv0 too), a key is its multihash.
    return CID.createV1(LIBP2P_KEY_CODEC, CID.parse(name, name.startsWith('k') ? base36 : undefined).multihash).toString(base36)
  } catch {}
  try {
    return peerIdFromString(name).toCID().toString(base36)
  } catch {}
  return undefined
}

/**
 * An /ipns/ root Pollen resolves: an IPNS key or a DNSLink domain, nothing else.
 * @param {string} name
 * @returns {boolean}
 */
export function isIpnsRoot (name) {
  return ipnsKey(name) != null || isDnsName(name)
}

/**
 * A root the gateway serves: a CID under /ipfs/; an IPNS key or a DNSLink domain under /ipns/.
 * @param {Namespace} namespace
 * @param {string} root
 * @returns {boolean}
 */
export function isValidRoot (namespace, root) {
  return namespace === 'ipfs' ? isCid(root) : isIpnsRoot(root)
}

/**
 * @param {string} text
 * @returns {boolean}
 */
export function isCid (text) {
  try {
    CID.parse(text)
    return true
  } catch {
    return false
  }
}

/**
 * The gateway path of an ipfs:// or ipns:// URL (ipfs://bafy…/a?b → /ipfs/bafy…/a?b),
 * with a root the gateway serves; undefined for anything else. The static
 * server and the service worker both answer /open?url= by it, so they agree.
 * @param {string} text
 * @returns {string | undefined}
 */
export function protocolLinkPath (text) {
  let url
  try {
    url = new URL(text)
  } catch {
    return undefined
  }
  if (url.protocol !== 'ipfs:' && url.protocol !== 'ipns:') return undefined
  const namespace = /** @type {Namespace} */ (url.protocol.slice(0, -1))
  if (url.hostname === '' || url.username !== '' || url.password !== '' || url.port !== '' || !isValidRoot(namespace, url.hostname)) return undefined
  return `/${namespace}/${url.hostname}${url.pathname === '' ? '/' : url.pathname}${url.search}`
}
