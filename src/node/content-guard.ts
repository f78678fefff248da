/**
 * What a content port takes. A content origin's page reaches its port through
 * the bridge and can send it anything a MessagePort carries, so every call is
 * checked here before the gateway sees it: its shape and sizes, and on a
 * scoped port that it reads the port's own root only. The namespace and root
 * of a scoped call come from the port, never from the call; the path must be
 * a path (it cannot smuggle another root in as `@<cid>` user info) and is
 * percent-normalised. Calls in flight are capped per port, so that one
 * page's flood leaves the node serving every other tab.
 */
import { canonicalRoot, type Namespace } from '../lib/gateway-url.ts'
import { isValidRoot } from '../lib/content-host.js'
import type { ContentScope, GatewayRequest } from '../lib/protocol.ts'

/** Calls one port may have in flight; more are answered 429 at once. */
export const DEFAULT_MAX_CALLS_IN_FLIGHT = 64
/** Longest path and query a call may carry (browsers cap URLs near there too). */
export const MAX_URL_PART_LENGTH = 8 * 1024
/** Most header fields, and their total length, a call may carry. */
export const MAX_HEADER_FIELDS = 64
export const MAX_HEADERS_LENGTH = 16 * 1024
/** Longest /ipns/ root (a DNS name holds at most 253 characters) or CID. */
export const MAX_ROOT_LENGTH = 253

export type RefusalStatus = 400 | 403 | 405 | 414 | 429 | 431

export interface Refusal {
  status: RefusalStatus
  reason: string
}

export type CheckedRequest = { ok: true, request: GatewayRequest } | { ok: false, refusal: Refusal }

const NAMESPACES: readonly Namespace[] = ['ipfs', 'ipns']
const FORMS = ['subdomain', 'path'] as const
/** A header name (RFC 9110 token) and a value without line breaks or other controls but tab. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/i
// eslint-disable-next-line no-control-regex
const HEADER_VALUE = /^[^\u0000-\u0008\u000a-\u001f\u007f]*$/
// eslint-disable-next-line no-control-regex
const CONTROL_OR_SPACE = /[\u0000-\u0020\u007f]/

function refuse (status: RefusalStatus, reason: string): CheckedRequest {
  return { ok: false, refusal: { status, reason } }
}

function isString (value: unknown): value is string {
  return typeof value === 'string'
}

/** Characters a path segment may hold as they are (RFC 3986 pchar), which encodeURIComponent would escape. */
const PCHAR_ESCAPES = /%(?:21|24|26|27|28|29|2A|2B|2C|3A|3B|3D|40)/g

/**
 * `path` with every segment decoded and encoded again (pchar left as it is,
 * as browsers send it), so that one spelling reaches the gateway; undefined
 * when it is not a path.
 */
export function normalisePath (path: string): string | undefined {
  if (!path.startsWith('/') || path.includes('?') || path.includes('#') || CONTROL_OR_SPACE.test(path)) return undefined
  try {
    return path.split('/').map(segment => encodeURIComponent(decodeURIComponent(segment)).replace(PCHAR_ESCAPES, decodeURIComponent)).join('/')
  } catch {
    return undefined
  }
}

/**
 * Checks one gateway.fetch call from a port. With a scope, the call reads
 * the scope's root (a call naming another root is refused 403) and is served
 * as a content origin's request (subdomain form, no base).
 */
export function checkContentCall (input: unknown, scope?: ContentScope): CheckedRequest {
  if (typeof input !== 'object' || input === null) return refuse(400, 'The request is not an object.')
  const call = input as Partial<Record<keyof GatewayRequest, unknown>>
  const { path, search, method, headers } = call
  if (!isString(path) || !isString(search) || !isString(method) || !Array.isArray(headers)) {
    return refuse(400, 'The request needs a path, a query, a method and headers.')
  }
  if (path.length > MAX_URL_PART_LENGTH || search.length > MAX_URL_PART_LENGTH) {
    return refuse(414, `The path and the query may each be at most ${MAX_URL_PART_LENGTH} characters long.`)
  }
  if (headers.length > MAX_HEADER_FIELDS) return refuse(431, `A request may carry at most ${MAX_HEADER_FIELDS} header fields.`)
  let headersLength = 0
  for (const field of headers) {
    if (!Array.isArray(field) || field.length !== 2 || !isString(field[0]) || !isString(field[1])) return refuse(400, 'Each header must be a [name, value] pair of strings.')
    headersLength += field[0].length + field[1].length
    if (headersLength > MAX_HEADERS_LENGTH) return refuse(431, `The headers may be at most ${MAX_HEADERS_LENGTH} characters long in all.`)
    if (!HEADER_NAME.test(field[0]) || !HEADER_VALUE.test(field[1])) return refuse(400, `The header ${JSON.stringify(field[0].slice(0, 64))} is malformed.`)
  }
  if (!/^[A-Z]{1,16}$/.test(method)) return refuse(400, 'The method is malformed.')
  if (search !== '' && (!search.startsWith('?') || search.includes('#') || CONTROL_OR_SPACE.test(search))) return refuse(400, 'The query is malformed.')
  const normalPath = normalisePath(path)
  if (normalPath == null) return refuse(400, `The path ${JSON.stringify(path.slice(0, 200))} is not valid percent-encoding, or not a path (a path starts with /).`)

  const namespace = scope?.namespace ?? call.namespace
  const root = scope?.root ?? call.root
  if (!isString(namespace) || !NAMESPACES.includes(namespace as Namespace) || !isString(root)) return refuse(400, 'The request must name /ipfs/ or /ipns/ and a root.')
  if (scope != null && (call.namespace !== scope.namespace || !isString(call.root) || canonicalRoot(scope.namespace, call.root) !== canonicalRoot(scope.namespace, scope.root))) {
    return refuse(403, `This origin may read ${canonicalRoot(scope.namespace, scope.root)} only.`)
  }
  if (root.length > MAX_ROOT_LENGTH || !isValidRoot(namespace as Namespace, root)) {
    return refuse(400, namespace === 'ipfs'
      ? `"${root.slice(0, 100)}" is not a valid CID. A CID looks like bafy… or Qm….`
      : `"${root.slice(0, 100)}" is neither an IPNS key nor a DNS name.`)
  }
  const form = scope != null ? 'subdomain' : FORMS.find(f => f === call.form) ?? 'subdomain'
  const base = scope != null ? '' : isString(call.base) ? call.base : ''
  if (base !== '' && base !== `/${namespace}/${root}`) return refuse(400, 'The base must be the root\'s path or empty.')
  return {
    ok: true,
    request: {
      namespace: namespace as Namespace,
      root,
      path: normalPath,
      search,
      method,
      headers: headers as Array<[string, string]>,
      base,
      form,
      destination: isString(call.destination) ? call.destination.slice(0, 32) : undefined
    }
  }
}

/** A request whose resource URL would name something else than its root. */
export class OutsideRootError extends Error {
  static name = 'OutsideRootError'
  name = 'OutsideRootError'
}

/**
 * The resource verified-fetch gets for a request (ipfs://root/path?query),
 * read back as a URL once more: it must name the request's root and nothing
 * else, whatever the path held.
 */
export function checkedResource (request: GatewayRequest): string {
  const resource = `${request.namespace}://${request.root}${request.path}${request.search}`
  let url: URL | undefined
  try {
    url = new URL(resource)
  } catch {}
  if (url?.protocol !== `${request.namespace}:` || url.host !== request.root || url.username !== '' || url.password !== '' || url.hash !== '') {
    throw new OutsideRootError(`The path does not stay below /${request.namespace}/${request.root}`)
  }
  return resource
}
