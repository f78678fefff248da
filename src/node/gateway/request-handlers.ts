/** The request handlers that answer before any content is looked up. */
import { ipnsKey } from '../../lib/content-host.js'
import { FORMAT_TYPES, type ParsedRequest } from './request.ts'
import { refused } from './pages.ts'
import type { RequestHandler } from './handler.ts'
import type { GatewayResponse } from '../../lib/protocol.ts'

const READ_METHODS = new Set(['GET', 'HEAD'])
/** The trustless gateway spec's ?dag-scope= and ?entity-bytes= values. */
const DAG_SCOPES = new Set(['block', 'entity', 'all'])
const ENTITY_BYTES = /^-?\d+:(-?\d+|\*)$/

/** Why the request cannot be served at all (status and sentence), before any lookup. */
function problemWith (request: ParsedRequest): { status: 400 | 405, reason: string } | undefined {
  if (!READ_METHODS.has(request.method)) return { status: 405, reason: `The gateway only reads content: ${request.method} is not supported, use GET or HEAD.` }
  if (request.format != null && !FORMAT_TYPES.has(request.format)) {
    return { status: 400, reason: `?format=${request.format} is not a format this gateway serves; use one of ${[...FORMAT_TYPES.keys()].join(', ')}.` }
  }
  const scope = request.params.get('dag-scope')
  if (scope != null && !DAG_SCOPES.has(scope)) return { status: 400, reason: `?dag-scope=${scope} is not one of ${[...DAG_SCOPES].join(', ')}.` }
  const entityBytes = request.params.get('entity-bytes')
  if (entityBytes != null && !ENTITY_BYTES.test(entityBytes)) return { status: 400, reason: `?entity-bytes=${entityBytes} is not a range: write from:to, each a number (negative counts from the end), to also *.` }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(request.params.get('filename') ?? '')) return { status: 400, reason: 'The ?filename= holds control characters, which no file name may.' }
  return undefined
}

/**
 * A CORS preflight: the gateway's content is public, so any origin may read
 * it (GET and HEAD, with the headers a gateway request carries).
 */
export const preflight: RequestHandler = {
  name: 'preflight',
  canHandle: request => request.method === 'OPTIONS',
  async handle (): Promise<GatewayResponse> {
    return {
      status: 200,
      statusText: 'OK',
      headers: [
        ['access-control-allow-origin', '*'],
        ['access-control-allow-methods', 'GET, HEAD, OPTIONS'],
        ['access-control-allow-headers', 'Content-Type, Range, User-Agent, X-Requested-With'],
        ['access-control-expose-headers', 'Content-Length, Content-Range, X-Chunked-Output, X-Ipfs-Path, X-Ipfs-Roots, X-Stream-Output'],
        ['allow', 'GET, HEAD, OPTIONS']
      ],
      body: null
    }
  }
}

/** Methods that do not read, and parameters no gateway takes: 405 and 400. */
export const refusal: RequestHandler = {
  name: 'refusal',
  canHandle: request => problemWith(request) != null,
  async handle (request): Promise<GatewayResponse> {
    const { status, reason } = problemWith(request)!
    return refused(status, reason)
  }
}

/**
 * An IPNS key written another way than the base36 libp2p-key CID (a base58
 * peer ID, a CIDv0): 302 to the same path under the canonical name, so each
 * name has one URL (and, on a subdomain gateway, one label).
 */
export const canonicalName: RequestHandler = {
  name: 'canonical-name',
  canHandle: request => request.namespace === 'ipns' && request.form === 'path' && isOtherSpelling(request.root),
  async handle (request): Promise<GatewayResponse> {
    return { status: 302, statusText: 'Found', headers: [['location', `/ipns/${ipnsKey(request.root)!}${request.path}${request.search}`]], body: null }
  }
}

function isOtherSpelling (root: string): boolean {
  const key = ipnsKey(root)
  return key != null && key !== root
}
