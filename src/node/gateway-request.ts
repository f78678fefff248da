/**
 * Reading a GatewayRequest: what it asks for (the Accept type, with
 * `?format=` of the path gateway spec, which verified-fetch does not read),
 * its path, and whether it can be served at all.
 */
import type { GatewayRequest } from '../lib/protocol.ts'

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

const ALLOWED_METHODS = new Set(['GET', 'HEAD'])
/** The trustless gateway spec's ?dag-scope= and ?entity-bytes= values. */
const DAG_SCOPES = new Set(['block', 'entity', 'all'])
const ENTITY_BYTES = /^-?\d+:(-?\d+|\*)$/

export function headerOf (request: GatewayRequest, name: string): string {
  return request.headers.find(([key]) => key.toLowerCase() === name)?.[1] ?? ''
}

/** `?format=`, when given and not empty. */
export function formatOf (request: GatewayRequest): string | undefined {
  const format = new URLSearchParams(request.search).get('format')
  return format == null || format === '' ? undefined : format
}

/** The Accept type the request means: `?format=` wins over the header. */
export function acceptOf (request: GatewayRequest): string {
  const format = formatOf(request)
  return (format == null ? undefined : FORMAT_TYPES.get(format)) ?? headerOf(request, 'accept')
}

/** The request's headers with Accept set to what `acceptOf` says. */
export function headersFor (request: GatewayRequest): Array<[string, string]> {
  return [...request.headers.filter(([name]) => name.toLowerCase() !== 'accept'), ['accept', acceptOf(request)]]
}

/** The path's segments, decoded; undefined when its percent-encoding is broken. */
export function pathSegments (request: GatewayRequest): string[] | undefined {
  try {
    return request.path.split('/').filter(s => s !== '').map(s => decodeURIComponent(s))
  } catch {
    return undefined
  }
}

/** Why the request cannot be served at all (status and sentence), before any lookup. */
export function refusal (request: GatewayRequest): { status: 400 | 405, reason: string } | undefined {
  if (!ALLOWED_METHODS.has(request.method)) return { status: 405, reason: `The gateway only reads content: ${request.method} is not supported, use GET or HEAD.` }
  const format = formatOf(request)
  if (format != null && !FORMAT_TYPES.has(format)) {
    return { status: 400, reason: `?format=${format} is not a format this gateway serves; use one of ${[...FORMAT_TYPES.keys()].join(', ')}.` }
  }
  const params = new URLSearchParams(request.search)
  const scope = params.get('dag-scope')
  if (scope != null && !DAG_SCOPES.has(scope)) return { status: 400, reason: `?dag-scope=${scope} is not one of ${[...DAG_SCOPES].join(', ')}.` }
  const entityBytes = params.get('entity-bytes')
  if (entityBytes != null && !ENTITY_BYTES.test(entityBytes)) return { status: 400, reason: `?entity-bytes=${entityBytes} is not a range: write from:to, each a number (negative counts from the end), to also *.` }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(params.get('filename') ?? '')) return { status: 400, reason: 'The ?filename= holds control characters, which no file name may.' }
  // The root and the path were checked as the request came in (content-guard.ts).
  return undefined
}

/** A browser asking for a directory gets a listing, unless it asked for the block, a CAR or a TAR. */
export function wantsListing (request: GatewayRequest): boolean {
  return formatOf(request) == null && !/application\/(vnd\.ipld\.|x-tar)/.test(headerOf(request, 'accept'))
}

export function wantsHtml (request: GatewayRequest): boolean {
  return headerOf(request, 'accept').includes('text/html')
}

/** /ipfs/<root>/<path>, decoded, for messages. */
export function describe (request: GatewayRequest): string {
  return `/${request.namespace}/${request.root}${request.path === '/' ? '' : (pathSegments(request) ?? []).map(s => `/${s}`).join('')}`
}
