/**
 * One parse of a GatewayRequest into what the handlers ask of it: what it
 * wants (the Accept type, where `?format=` wins, as the path gateway spec
 * says and verified-fetch does not read), its path decoded, its parameters.
 */
import type { GatewayRequest } from '../../lib/protocol.ts'
import type { Namespace } from '../../lib/gateway-url.ts'

/** `?format=` values and the Accept type each stands for. */
export const FORMAT_TYPES: ReadonlyMap<string, string> = new Map([
  ['raw', 'application/vnd.ipld.raw'],
  ['car', 'application/vnd.ipld.car'],
  ['tar', 'application/x-tar'],
  ['dag-json', 'application/vnd.ipld.dag-json'],
  ['dag-cbor', 'application/vnd.ipld.dag-cbor'],
  ['json', 'application/json'],
  ['cbor', 'application/cbor'],
  ['ipns-record', 'application/vnd.ipfs.ipns-record']
])

export interface ParsedRequest {
  /** As the service worker sent it (the root and path were checked then: content-guard.ts). */
  readonly original: GatewayRequest
  readonly method: string
  readonly namespace: Namespace
  readonly root: string
  /** Below the root, still percent-encoded; `/` at the root. */
  readonly path: string
  /** The path's segments decoded; undefined when its percent-encoding is broken. */
  readonly segments: string[] | undefined
  readonly search: string
  readonly params: URLSearchParams
  readonly headers: Headers
  /** `?format=`, when given and not empty. */
  readonly format?: string
  /** The type asked for: `?format=`'s when given, else the Accept header. */
  readonly accept: string
  /** `/ipfs/<root>/<path>`, decoded, for messages. */
  readonly described: string
  /** Where the browser sees the root: '' on a content origin, '/ipfs/<root>' in path mode. */
  readonly base: string
  readonly form: 'subdomain' | 'path'
  readonly destination?: string
}

function decodedSegments (path: string): string[] | undefined {
  try {
    return path.split('/').filter(s => s !== '').map(s => decodeURIComponent(s))
  } catch {
    return undefined
  }
}

export function parseRequest (request: GatewayRequest): ParsedRequest {
  const params = new URLSearchParams(request.search)
  const headers = new Headers()
  for (const [name, value] of request.headers) headers.append(name, value)
  const formatParam = params.get('format')
  const format = formatParam == null || formatParam === '' ? undefined : formatParam
  const segments = decodedSegments(request.path)
  return {
    original: request,
    method: request.method,
    namespace: request.namespace,
    root: request.root,
    path: request.path,
    segments,
    search: request.search,
    params,
    headers,
    format,
    accept: acceptFor(format, headers.get('accept') ?? '', params),
    described: `/${request.namespace}/${request.root}${(segments ?? []).map(s => `/${s}`).join('')}`,
    base: request.base,
    form: request.form ?? 'subdomain',
    destination: request.destination
  }
}

/** Types that ask for a response format of the gateway specs, not for the content itself. */
const RESPONSE_FORMAT = /application\/(vnd\.ipld\.|vnd\.ipfs\.|x-tar|json|cbor)/

/**
 * What verified-fetch is asked for. `?format=` wins over Accept. An Accept
 * that names no response format (a browser's `text/html`, `image/*`) asks
 * for the content as it is, whatever type the content turns out to be, so
 * `*` is added at the lowest weight: verified-fetch would otherwise answer
 * 406 to `Accept: text/html` for a UnixFS file.
 */
function acceptFor (format: string | undefined, accept: string, params: URLSearchParams): string {
  const formatType = format == null ? undefined : FORMAT_TYPES.get(format)
  if (formatType === CAR_TYPE || (formatType == null && accept.includes(CAR_TYPE))) return carAccept(accept, params)
  if (formatType != null) return formatType
  if (accept === '' || RESPONSE_FORMAT.test(accept) || accept.includes('*/*')) return accept
  return `${accept}, */*;q=0.01`
}

const CAR_TYPE = 'application/vnd.ipld.car'
/** The CAR parameters a query may give (IPIP-0523: they win over the Accept header's). */
const CAR_QUERY_PARAMS = [['car-version', 'version'], ['car-order', 'order'], ['car-dups', 'dups']] as const

/** The CAR type with its parameters: the Accept header's, each overridden by its `?car-*=`. */
function carAccept (accept: string, params: URLSearchParams): string {
  const [, ...fromAccept] = accept.split(',').map(type => type.trim()).find(type => type.startsWith(CAR_TYPE))?.split(';') ?? []
  const options = new Map(fromAccept.map(option => option.split('=').map(part => part.trim()) as [string, string]).filter(([name]) => name !== 'q'))
  for (const [query, option] of CAR_QUERY_PARAMS) {
    const value = params.get(query)
    if (value != null && value !== '') options.set(option, value)
  }
  return [CAR_TYPE, ...[...options].map(([name, value]) => `${name}=${value}`)].join('; ')
}

/** A browser asking for a directory gets a listing, unless it asked for the block, a CAR or a TAR. */
export function wantsListing (request: ParsedRequest): boolean {
  return request.format == null && !/application\/(vnd\.ipld\.|x-tar)/.test(request.headers.get('accept') ?? '')
}

export function wantsHtml (request: ParsedRequest): boolean {
  return (request.headers.get('accept') ?? '').includes('text/html')
}
