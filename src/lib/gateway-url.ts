/**
 * The gateway's origin model (IPFS subdomain gateway spec): which content a
 * request URL names, and the content origin a root lives at. Shared by the
 * service worker, the boot document and the node.
 *
 *   http://app.host/ipfs/<cid>/a.css   → path form on the app origin
 *   http://<cid b32>.ipfs.app.host/a.css → subdomain form, one origin per root
 */
import { base32 } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import { MAX_DNS_LABEL_LENGTH, canonicalLabel, classifyHost, ipnsKey, isDnsName, protocolLinkPath, type Namespace } from './content-host.js'
import { InvalidCidError } from './errors.ts'

export { MAX_DNS_LABEL_LENGTH, type Namespace }

/** Content named by a gateway URL: `/<namespace>/<root><path><search>`. */
export interface ContentRequest {
  namespace: Namespace
  /** A CID for /ipfs/; a key (CID or peer ID) or a DNSLink domain for /ipns/. */
  root: string
  /** Starts with `/`; still percent-encoded, as in the URL. */
  path: string
  /** The query, with its `?`, or ''. */
  search: string
}

/** The root does not fit in a DNS label, so it has no content origin. */
export class LabelTooLongError extends Error {
  static name = 'LabelTooLongError'
  name = 'LabelTooLongError'
}

/**
 * The content origin's parts, when `hostname` is one (`<label>.ipfs.<app host>`);
 * undefined for the app's host and for invalid hosts (content-host.js tells them apart).
 */
export function parseContentHost (hostname: string): { label: string, namespace: Namespace, appHost: string } | undefined {
  const host = classifyHost(hostname)
  return host.kind === 'content' ? { label: host.label, namespace: host.namespace, appHost: host.appHost } : undefined
}

/** `/ipfs/<root>/…` or `/ipns/<root>/…` on the app origin. */
export function parsePathRequest (url: URL): ContentRequest | undefined {
  const match = /^\/(ipfs|ipns)\/([^/?#]*)(.*)$/.exec(url.pathname)
  if (match == null) return undefined
  return { namespace: match[1] as Namespace, root: decodeURIComponent(match[2]), path: match[3] === '' ? '/' : match[3], search: url.search }
}

/**
 * The same URL at the canonical content origin of its root, when its host
 * spells the root another way (an IPNS key as a dag-pb CID, say); undefined
 * when it already is canonical.
 */
export function canonicalContentUrl (url: URL): string | undefined {
  const host = classifyHost(url.hostname)
  const label = canonicalLabel(host)
  if (label == null || host.kind !== 'content') return undefined
  const canonical = new URL(url.href)
  canonical.hostname = `${label}.ipns.${host.appHost}`
  return canonical.href
}

/** The content a request to a content origin names. */
export function parseSubdomainRequest (url: URL): ContentRequest | undefined {
  const host = classifyHost(url.hostname)
  if (host.kind !== 'content') return undefined
  return { namespace: host.namespace, root: host.root, path: url.pathname, search: url.search }
}

/**
 * `path` with its leading slashes (and backslashes, which browsers read as
 * slashes) collapsed into one, so that it stays on this origin: `//evil.example/x`
 * would be a protocol-relative URL.
 */
export function sameOriginPath (path: string): string {
  return `/${path.replace(/^[/\\]+/, '')}`
}

/** Turns a CID in any base or version into the lowercase base32 CIDv1 the subdomain uses. */
export function cidLabel (root: string): string {
  let cid: CID
  try {
    cid = CID.parse(root)
  } catch {
    throw new InvalidCidError(`"${root.length > 80 ? `${root.slice(0, 80)}…` : root}" is not a valid CID`)
  }
  const label = cid.toV1().toString(base32)
  if (label.length > MAX_DNS_LABEL_LENGTH) {
    throw new LabelTooLongError(`CID incompatible with DNS label length limit of ${MAX_DNS_LABEL_LENGTH}: the CID ${label} is ${label.length} characters long, so this content cannot have an origin of its own. Ask for the content under a CID with a shorter hash (sha2-256), or open it with path mode turned on in Settings.`)
  }
  return label
}

/**
 * The subdomain label for an IPNS name: a key becomes a base36 libp2p-key
 * CID (short enough for a label); a DNSLink domain is inlined, '-' as '--'
 * and '.' as '-'.
 */
export function ipnsLabel (name: string): string {
  const key = ipnsKey(name)
  if (key != null) return key
  if (!isDnsName(name)) {
    throw new InvalidCidError(`"${name}" is neither an IPNS key nor a DNSLink domain name`)
  }
  const label = name.toLowerCase().replaceAll('-', '--').replaceAll('.', '-')
  if (label.length > MAX_DNS_LABEL_LENGTH) throw new LabelTooLongError(`The domain ${name} is too long to be inlined in one subdomain label`)
  return label
}

/**
 * One spelling per root, to compare roots by: /ipfs/<CIDv1 base32>, or
 * /ipns/<key as base36 CID> or /ipns/<lowercase domain>.
 */
export function canonicalRoot (namespace: Namespace, root: string): string {
  if (namespace === 'ipfs') {
    try {
      return `/ipfs/${CID.parse(root).toV1().toString(base32)}`
    } catch {
      return `/ipfs/${root}`
    }
  }
  return `/ipns/${ipnsKey(root) ?? root.toLowerCase()}`
}

/** The content origin of `request` on `appUrl`'s host, e.g. http://bafy….ipfs.app.localhost:8080. */
export function contentOrigin (appUrl: URL, namespace: Namespace, root: string): string {
  const label = namespace === 'ipfs' ? cidLabel(root) : ipnsLabel(root)
  return `${appUrl.protocol}//${label}.${namespace}.${appUrl.host}`
}

/** Where a path-form request on the app origin lives in subdomain form. */
export function subdomainUrl (appUrl: URL, request: ContentRequest): string {
  return `${contentOrigin(appUrl, request.namespace, request.root)}${request.path}${request.search}`
}

/** The app's origin as seen from one of its content origins. */
export function appOriginOf (contentUrl: URL): string | undefined {
  const host = parseContentHost(contentUrl.hostname)
  if (host == null) return undefined
  return `${contentUrl.protocol}//${host.appHost}${contentUrl.port === '' ? '' : `:${contentUrl.port}`}`
}

/** Where the browser sends ipfs:// and ipns:// links once Pollen handles them (registerProtocolHandler). */
export const PROTOCOL_HANDLER_PATH = '/open'

/** The gateway path of an ipfs:// or ipns:// URL, e.g. ipfs://bafy…/a?b → /ipfs/bafy…/a?b. */
export function protocolUrlToPath (text: string): string {
  const path = protocolLinkPath(text)
  if (path == null) throw new InvalidCidError(`"${text.slice(0, 200)}" is not an ipfs:// or ipns:// URL naming a CID, an IPNS key or a DNS name`)
  return path
}

/** Where a protocol handler request (/open?url=ipfs://…) leads: the content origin, or in path mode the path. */
export function protocolHandlerTarget (appUrl: URL, mode: 'subdomain' | 'path'): string {
  const path = protocolUrlToPath(appUrl.searchParams.get('url') ?? '')
  return mode === 'path' ? path : subdomainUrl(appUrl, parsePathRequest(new URL(path, appUrl))!)
}

/**
 * Where a gateway response's Location may send the browser from `requestUrl`:
 * a URL on the same origin as it is; an ipfs:// or ipns:// URL to that root's
 * content origin (to its /ipfs/ path on the app origin in path mode);
 * undefined for anything else, such as another site.
 */
export function browserLocation (location: string, requestUrl: URL, form: 'subdomain' | 'path'): string | undefined {
  try {
    if (/^ip[fn]s:/i.test(location)) {
      const path = protocolUrlToPath(location)
      const appUrl = new URL(appOriginOf(requestUrl) ?? requestUrl.origin)
      const request = parsePathRequest(new URL(path, appUrl))
      return form === 'path' || request == null ? path : subdomainUrl(appUrl, request)
    }
    return new URL(location, requestUrl).origin === requestUrl.origin ? location : undefined
  } catch {
    return undefined
  }
}
