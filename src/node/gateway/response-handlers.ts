/**
 * The response handlers: what verified-fetch answered, turned into what the
 * browser gets, one concern each, tried in order (the last takes anything).
 */
import { CID } from 'multiformats/cid'
import { canonicalRoot, sameOriginPath } from '../../lib/gateway-url.ts'
import { directoryListingPage, generatedPageHeaders } from '../../lib/gateway-pages.ts'
import { errorFrom, isUnverifiedRecord, page, parseError, textStream, timedOut, unverifiedRecord, untrustedPage } from './pages.ts'
import { wantsListing, type ParsedRequest } from './request.ts'
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
    const etag = `"DirIndex-${directory.toString()}"`
    const headers: Array<[string, string]> = [['etag', etag], ['x-ipfs-roots', roots.join(',')]]
    const cacheControl = response.headers.get('cache-control')
    if (cacheControl != null) headers.push(['cache-control', cacheControl])
    if ((request.headers.get('if-none-match') ?? '').split(',').map(v => v.trim()).includes(etag)) {
      return { status: 304, statusText: 'Not Modified', headers, body: null }
    }
    const entries = await components.content.list(directory, signal)
    const body = directoryListingPage(request.described, `${request.base}${request.path}`, directory.toString(), entries.map(entry => ({
      name: entry.name, cid: entry.cid, size: entry.size, directory: entry.type === 'directory'
    })))
    return { status: 200, statusText: 'OK', headers: [...generatedPageHeaders(body), ...headers], body: request.method === 'HEAD' ? null : textStream(body) }
  }
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
export const RESPONSE_HANDLERS: readonly ResponseHandler[] = [gaveUp, redirect, failure, listing, untrustedDocument, content]
