/**
 * Reads a request to a trustless gateway (IPFS Trustless Gateway spec): which
 * block or CAR it asks for, or why it cannot be served. Only the verifiable
 * forms exist there: a raw block (`?format=raw`, `Accept:
 * application/vnd.ipld.raw`) of `/ipfs/<cid>`, and a CAR (`?format=car`,
 * `Accept: application/vnd.ipld.car`) of `/ipfs/<cid>[/<path>]` with
 * `dag-scope` and `entity-bytes`.
 */
import type { CID } from 'multiformats/cid'
import { parseContentPath } from './content-path.ts'
import { parsePathRequest } from './gateway-url.ts'

export const RAW_TYPE = 'application/vnd.ipld.raw'
export const CAR_TYPE = 'application/vnd.ipld.car'
/** The protocol name Kubo gives its trustless gateway in `/.well-known/libp2p/protocols`, as Pollen's nodes do. */
export const GATEWAY_PROTOCOL = '/ipfs/gateway'
/** Longest path and query served, as for content origins (content-guard.ts). */
export const DEFAULT_MAX_TARGET_LENGTH = 8 * 1024

/** `?format=` values of the path gateway that a trustless gateway does not serve (they are deserialized). */
const DESERIALIZED_FORMATS = new Set(['tar', 'dag-json', 'dag-cbor', 'json', 'cbor'])
const ENTITY_BYTES = /^(-?\d+):(-?\d+|\*)$/

export type DagScope = 'all' | 'entity' | 'block'

/** `entity-bytes=from:to` as written: inclusive offsets, negative ones counted from the end, `*` for the end. */
export interface EntityBytes {
  from: number
  to: number | '*'
}

export interface CarScope {
  scope: DagScope
  /** Only with `scope: 'entity'`. */
  entityBytes?: EntityBytes
  /** Whether a block met twice in the walk is sent twice (`dups=y`). */
  duplicates: boolean
}

export type TrustlessRequest =
  | { kind: 'raw', cid: CID }
  /** `head`: no body is wanted, so the DAG need not be walked. */
  | { kind: 'car', cid: CID, segments: string[], car: CarScope, head: boolean }
  | { kind: 'refused', status: 400 | 405 | 406 | 414 | 501, reason: string }

export interface TrustlessRequestOptions {
  maxTargetLength?: number
}

function refused (status: 400 | 405 | 406 | 414 | 501, reason: string): TrustlessRequest {
  return { kind: 'refused', status, reason }
}

/** The media types of an Accept header, with their parameters, in the order given (q=0 left out). */
function acceptedTypes (accept: string): Array<{ type: string, params: Map<string, string> }> {
  return accept.split(',').map(part => {
    const [type, ...rest] = part.split(';').map(s => s.trim())
    const params = new Map(rest.map(p => p.split('=').map(s => s.trim().toLowerCase()) as [string, string]))
    return { type: type.toLowerCase(), params }
  }).filter(({ type, params }) => type !== '' && params.get('q') !== '0')
}

function parseEntityBytes (text: string): EntityBytes | undefined {
  const match = ENTITY_BYTES.exec(text)
  if (match == null) return undefined
  const from = Number(match[1])
  const to = match[2] === '*' ? '*' : Number(match[2])
  if (!Number.isSafeInteger(from) || (to !== '*' && !Number.isSafeInteger(to))) return undefined
  return { from, to }
}

/** `url` is the request's URL (only its path and query are read); `accept` its Accept header. */
export function parseTrustlessRequest (method: string, url: URL, accept: string | null, options: TrustlessRequestOptions = {}): TrustlessRequest {
  if (method !== 'GET' && method !== 'HEAD') return refused(405, `${method} is not supported: this gateway only reads, use GET or HEAD.`)
  if (url.pathname.length + url.search.length > (options.maxTargetLength ?? DEFAULT_MAX_TARGET_LENGTH)) {
    return refused(414, 'The path and query are too long.')
  }
  let path
  try {
    path = parsePathRequest(url)
  } catch {
    return refused(400, 'The path is not valid percent-encoding.')
  }
  if (path?.namespace === 'ipns') return refused(501, 'IPNS names are not resolved here: ask for /ipfs/<cid>.')
  if (path == null) return refused(400, 'Ask for /ipfs/<cid>: this gateway serves blocks and CARs by CID.')
  let content
  try {
    content = parseContentPath(`/ipfs/${path.root}${path.path}`)
  } catch (err) {
    return refused(400, (err as Error).message)
  }

  const params = url.searchParams
  const format = params.get('format') ?? ''
  const types = acceptedTypes(accept ?? '')
  let kind: 'raw' | 'car'
  let carParams = new Map<string, string>()
  if (format === 'raw' || format === 'car') {
    kind = format
    carParams = types.find(t => t.type === CAR_TYPE)?.params ?? carParams
  } else if (format !== '') {
    if (DESERIALIZED_FORMATS.has(format)) return refused(406, `?format=${format} is deserialized: a trustless gateway serves only format=raw and format=car.`)
    return refused(400, `?format=${format} is not a format; use raw or car.`)
  } else {
    const wanted = types.find(t => t.type === RAW_TYPE || t.type === CAR_TYPE)
    if (wanted == null) {
      // The spec asks a strict trustless gateway to say 400 when the client did not say what it wants.
      if (types.length === 0) return refused(400, `Say what you want: ?format=raw or ?format=car (Accept: ${RAW_TYPE} or ${CAR_TYPE}).`)
      return refused(406, `Only ${RAW_TYPE} and ${CAR_TYPE} are served here.`)
    }
    kind = wanted.type === RAW_TYPE ? 'raw' : 'car'
    carParams = wanted.params
  }
  if (kind === 'raw') {
    if (content.segments.length > 0) return refused(400, 'A raw block is asked for by its CID alone: /ipfs/<cid>?format=raw.')
    return { kind, cid: content.cid }
  }

  // The query wins over the Accept header's parameters (IPIP-523).
  const version = params.get('car-version') ?? carParams.get('version') ?? '1'
  if (version !== '1') return refused(406, `CAR version ${version} is not served here; ask for version=1.`)
  const dups = params.get('car-dups') ?? carParams.get('dups') ?? 'n'
  if (dups !== 'y' && dups !== 'n') return refused(400, `dups=${dups} is neither y nor n.`)
  const scopeParam = params.get('dag-scope')
  if (scopeParam != null && scopeParam !== 'all' && scopeParam !== 'entity' && scopeParam !== 'block') {
    return refused(400, `?dag-scope=${scopeParam} is not one of all, entity, block.`)
  }
  const entityText = params.get('entity-bytes')
  const entityBytes = entityText == null ? undefined : parseEntityBytes(entityText)
  if (entityText != null && entityBytes == null) {
    return refused(400, `?entity-bytes=${entityText} is not a range: write from:to, each a whole number (negative counts from the end), to also *.`)
  }
  // entity-bytes implies dag-scope=entity, and means nothing with another scope.
  const scope: DagScope = scopeParam ?? (entityBytes != null ? 'entity' : 'all')
  const car: CarScope = { scope, duplicates: dups === 'y' }
  if (scope === 'entity' && entityBytes != null) car.entityBytes = entityBytes
  return { kind, cid: content.cid, segments: content.segments, car, head: method === 'HEAD' }
}

/**
 * The inclusive byte range `[from, to]` that `entityBytes` names in an entity
 * of `size` bytes; undefined when it holds no byte of it (the CAR then holds
 * the entity's root block alone, as for dag-scope=block).
 */
export function entityRange (entityBytes: EntityBytes, size: number): [number, number] | undefined {
  const from = entityBytes.from < 0 ? Math.max(0, size + entityBytes.from) : entityBytes.from
  const to = entityBytes.to === '*' ? size - 1 : entityBytes.to < 0 ? size + entityBytes.to : Math.min(entityBytes.to, size - 1)
  return from <= to && from < size ? [from, to] : undefined
}
