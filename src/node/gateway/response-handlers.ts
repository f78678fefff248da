/**
 * The response handlers: what verified-fetch answered, turned into what the
 * browser gets, one concern each, tried in order (the last takes anything).
 */
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import { CID } from 'multiformats/cid'
import { canonicalRoot, ipnsLabel, sameOriginPath } from '../../lib/gateway-url.ts'
import { isDnsName } from '../../lib/content-host.js'
import { dagIndexPage, directoryListingPage, generatedPageHeaders } from '../../lib/gateway-pages.ts'
import { errorFrom, isUnverifiedRecord, page, parseError, textStream, timedOut, unverifiedRecord, untrustedPage } from './pages.ts'
import { wantsHtml, wantsListing, type ParsedRequest } from './request.ts'
import type { ResponseHandler } from './handler.ts'

const DAG_PB_TYPE = 'application/vnd.ipld.dag-pb'
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])

/**
 * Types a browser may run script from when it shows them as a document:
 * never from an untrusted root on the app origin. (Any +xml type renders as
 * XML, XML can carry script, and an XSL stylesheet can write a page.)
 */
const ACTIVE_TYPES = /^\s*(text\/html|text\/xml|text\/xsl|application\/xml|[a-z0-9.+-]+\/[^;\s]*\+xml)\s*(;|$)/i

/** Active, or of no stated type (which a browser may sniff into something active). */
function mayRunScript (type: string): boolean {
  return type.trim() === '' || ACTIVE_TYPES.test(type)
}

/** verified-fetch gave up finding the content (504), or a record did not verify. */
export const gaveUp: ResponseHandler = {
  name: 'gave-up',
  canHandle: (_, response) => response.status === 504,
  async handle (request, response, { components }) {
    const error = parseError(await response.text())
    return isUnverifiedRecord(error.name) ? unverifiedRecord(request, error.message) : timedOut(request, components, error.message)
  }
}

/**
 * verified-fetch writes Location as ipfs://root/… (or, for a `_redirects`
 * rule, as a path within the root); the browser needs its own URL for it.
 * A redirect within the root becomes a path on this origin (one
 * leading slash, so a `_redirects` rule cannot make it `//other.host/…`); one
 * to another root stays an ipfs:// or ipns:// URL, which the service worker
 * sends to that root's content origin; anything else is refused.
 */
export const redirect: ResponseHandler = {
  name: 'redirect',
  canHandle: (_, response) => REDIRECT_STATUSES.has(response.status),
  async handle (request, response) {
    await response.body?.cancel()
    const location = response.headers.get('location') ?? ''
    const target = redirectTarget(request, location)
    if (target == null) {
      return page({
        status: 502,
        title: 'Redirect refused',
        explanation: [`${request.described} redirects to ${location.slice(0, 200)}, outside this gateway. Pollen follows redirects within the content's own origin and to other IPFS content only.`]
      })
    }
    const headers = [...response.headers].map(([name, value]): [string, string] => [name, name === 'location' ? target : value])
    return { status: response.status, statusText: response.statusText, headers, body: null }
  }
}

function redirectTarget (request: ParsedRequest, location: string): string | undefined {
  // A `_redirects` rule's target: a path within the root the request named.
  if (location.startsWith('/')) return `${request.base}${sameOriginPath(location)}`
  const own = `${request.namespace}://${request.root}`
  if (location === own || location.startsWith(`${own}/`) || location.startsWith(`${own}?`)) {
    const rest = location.slice(own.length)
    return `${request.base}${rest.startsWith('/') ? sameOriginPath(rest) : `/${rest}`}`
  }
  let url: URL
  try {
    url = new URL(location)
  } catch {
    return undefined
  }
  if ((url.protocol !== 'ipfs:' && url.protocol !== 'ipns:') || url.host === '' || url.username !== '' || url.password !== '') return undefined
  return `${url.protocol}//${url.host}${sameOriginPath(url.pathname)}${url.search}`
}

/** Errors, their stack left out: a page for a browser, the message as text for others. */
export const failure: ResponseHandler = {
  name: 'failure',
  // A 4xx with roots is content: a custom error page a `_redirects` rule names.
  canHandle: (_, response) => response.status >= 400 && !response.headers.has('x-ipfs-roots'),
  async handle (request, response) {
    return errorFrom(request, response.status, response.statusText, await response.text())
  }
}

/** A directory without an index.html, asked for by a browser: a listing of its entries. */
export const listing: ResponseHandler = {
  name: 'listing',
  canHandle: (request, response) => response.status === 200 && response.headers.get('content-type') === DAG_PB_TYPE &&
    /directory/.test(response.headers.get('x-unixfs-type') ?? '') && wantsListing(request),
  async handle (request, response, { components, signal }) {
    await response.body?.cancel()
    const roots = (response.headers.get('x-ipfs-roots') ?? '').split(',').filter(Boolean)
    const directory = CID.parse(roots.at(-1) ?? request.root)
    const headers = generatedPageCacheHeaders(response, `"DirIndex-${PAGE_LAYOUT}_CID-${directory.toString()}"`)
    if (matchesEtag(request, headers)) return { status: 304, statusText: 'Not Modified', headers, body: null }
    const entries = await components.content.list(directory, signal)
    const body = directoryListingPage({
      namespace: request.namespace,
      root: request.root,
      path: request.path,
      base: request.base,
      pathGateway: pathGatewayOf(request, components.appHost),
      siteOrigin: siteOriginOf(request, components.appHost),
      directoryCid: directory.toString(),
      entries: entries.map(entry => ({ name: entry.name, cid: entry.cid, size: entry.size, directory: entry.type === 'directory' }))
    })
    return { status: 200, statusText: 'OK', headers: [...generatedPageHeaders(body), ...headers], body: request.method === 'HEAD' ? null : textStream(body) }
  }
}

/**
 * A DAG-JSON or DAG-CBOR node asked for by a browser (Accept: text/html, no
 * ?format=): a page showing it as JSON, its links as links to the path
 * gateway; the node itself stays a ?format= away.
 */
export const dagIndex: ResponseHandler = {
  name: 'dag-index',
  canHandle: (request, response) => response.status === 200 && request.format == null && wantsHtml(request) &&
    DAG_TYPES.has((response.headers.get('content-type') ?? '').split(';')[0].trim()),
  async handle (request, response, { components }) {
    const roots = (response.headers.get('x-ipfs-roots') ?? '').split(',').filter(Boolean)
    const cid = CID.parse(roots.at(-1) ?? request.root)
    const headers = generatedPageCacheHeaders(response, `"DagIndex-${PAGE_LAYOUT}_CID-${cid.toString()}"`)
    if (matchesEtag(request, headers)) {
      await response.body?.cancel()
      return { status: 304, statusText: 'Not Modified', headers, body: null }
    }
    const json = asJson((response.headers.get('content-type') ?? '').split(';')[0].trim(), new Uint8Array(await response.arrayBuffer()))
    const body = dagIndexPage({ title: request.described, cid: cid.toString(), json, pathGateway: pathGatewayOf(request, components.appHost) })
    return { status: 200, statusText: 'OK', headers: [...generatedPageHeaders(body), ...headers], body: request.method === 'HEAD' ? null : textStream(body) }
  }
}

/** A node's bytes as indented JSON text (DAG-JSON for CBOR); CBOR no DAG-JSON can hold is described. */
function asJson (type: string, bytes: Uint8Array): string {
  try {
    const value: unknown = type.endsWith('json') ? dagJson.decode(bytes) : dagCbor.decode(bytes)
    return JSON.stringify(JSON.parse(new TextDecoder().decode(dagJson.encode(value))), null, 2)
  } catch {
    return `(${bytes.byteLength} bytes of ${type} that DAG-JSON cannot show; ask with ?format= for the bytes)`
  }
}

/** A generated page may change with Pollen: cached for a week, not for ever as content is. */
const GENERATED_PAGE_CACHE_CONTROL = 'public, max-age=604800, stale-while-revalidate=2678400'

/** Changes when the generated pages' layout does, so that caches drop pages of the old one. */
const PAGE_LAYOUT = 'pollen1'
const DAG_TYPES = new Set(['application/vnd.ipld.dag-json', 'application/vnd.ipld.dag-cbor', 'application/json', 'application/cbor'])

/** A generated page's ETag, and the content's path and caching (an /ipns/ name's TTL), as any response has them. */
function generatedPageCacheHeaders (response: Response, etag: string): Array<[string, string]> {
  const headers: Array<[string, string]> = [['etag', etag]]
  for (const name of ['x-ipfs-path', 'x-ipfs-roots']) {
    const value = response.headers.get(name)
    if (value != null) headers.push([name, value])
  }
  const cacheControl = response.headers.get('cache-control')
  if (cacheControl != null) headers.push(['cache-control', cacheControl.includes('immutable') ? GENERATED_PAGE_CACHE_CONTROL : cacheControl])
  return headers
}

/** If-None-Match naming the ETag, weak or strong (a generated page's ETag compares weakly). */
function matchesEtag (request: ParsedRequest, headers: Array<[string, string]>): boolean {
  const etag = headers.find(([name]) => name === 'etag')?.[1]
  return (request.headers.get('if-none-match') ?? '').split(',').map(v => v.trim().replace(/^W\//, '')).some(v => v === etag || v === '*')
}

/** A DNSLink website on its own origin: where its listing's breadcrumbs lead. */
function siteOriginOf (request: ParsedRequest, appHost: string): string | undefined {
  if (request.form === 'path' || request.namespace !== 'ipns' || appHost === '' || !isDnsName(request.root)) return undefined
  try {
    return `//${ipnsLabel(request.root)}.ipns.${appHost}`
  } catch {
    return undefined // a domain too long for one label has no origin of its own
  }
}

/** Where generated pages link CIDs and breadcrumbs: the path gateway, here or on the app origin. */
function pathGatewayOf (request: ParsedRequest, appHost: string): string {
  return request.form === 'path' || appHost === '' ? '' : `//${appHost}`
}

/**
 * Path mode serves content on the app origin, so a document that could run
 * script is shown only from a root the user trusts (an image never runs as a
 * document, whatever its type: an SVG in <img> runs no script).
 */
export const untrustedDocument: ResponseHandler = {
  name: 'untrusted-document',
  canHandle: (request, response, { components }) => request.form === 'path' && mayRunScript(response.headers.get('content-type') ?? '') &&
    request.destination !== 'image' && !components.trusted.has(canonicalRoot(request.namespace, request.root)),
  async handle (request, response) {
    await response.body?.cancel()
    return untrustedPage(request)
  }
}

/** The content as verified-fetch answered it, with what the browser must know besides. */
export const content: ResponseHandler = {
  name: 'content',
  canHandle: () => true,
  async handle (request, response) {
    if (request.form === 'path') {
      // On the app origin nothing may be sniffed into something that runs, and
      // a trusted page (which runs with Pollen's rights) is framed by Pollen only.
      response.headers.set('x-content-type-options', 'nosniff')
      response.headers.append('content-security-policy', "frame-ancestors 'self'")
    }
    if (request.method === 'HEAD') await response.body?.cancel()
    return {
      status: response.status,
      statusText: response.statusText,
      headers: asDownload(request, [...response.headers]),
      body: request.method === 'HEAD' ? null : response.body
    }
  }
}

/** `?download=true` asks for an attachment, which verified-fetch honours for directories only. */
function asDownload (request: ParsedRequest, headers: Array<[string, string]>): Array<[string, string]> {
  if (request.params.get('download') !== 'true') return headers
  return headers.map(([name, value]): [string, string] => name === 'content-disposition' ? [name, value.replace(/^inline\b/, 'attachment')] : [name, value])
}

/** In order: the first whose canHandle holds answers. */
export const RESPONSE_HANDLERS: readonly ResponseHandler[] = [gaveUp, redirect, failure, listing, dagIndex, untrustedDocument, content]
