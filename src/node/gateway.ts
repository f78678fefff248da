/**
 * The gateway's request handling, in the node: @helia/verified-fetch over
 * this node's Helia (so blocks come from the one blockstore, peers, delegates
 * and gateways of the node, verified), plus what it lacks: an HTML directory
 * listing, error pages that say what was tried, redirects written in the
 * browser's URLs, and a timeout that ends in 504 instead of a hang.
 */
import { createVerifiedFetch, type VerifiedFetch } from '@helia/verified-fetch'
import { CID } from 'multiformats/cid'
import { contentResource } from '../lib/gateway-url.ts'
import { directoryListingPage, errorPage, generatedPageHeaders, type ErrorPageInit } from '../lib/gateway-pages.ts'
import type { ContentReader } from './content.ts'
import type { NodeConfig } from '../lib/config.ts'
import type { GatewayProgress, GatewayRequest, GatewayResponse } from '../lib/protocol.ts'
import type { Helia } from '@helia/interface'

export interface GatewayComponents {
  helia: Helia
  content: ContentReader
  config: NodeConfig
  /** How many peers the node is connected to, for the 504 page. */
  connectedPeers: () => number
  /** Roots the user trusts to run pages on the app origin (path mode). */
  trusted: { has: (root: string) => boolean }
}

/** Types a browser runs script from, when shown as a document: never from an untrusted root on the app origin. */
const ACTIVE_TYPES = /^(text\/html|application\/xhtml\+xml|image\/svg\+xml|text\/xml|application\/xml)\b/i

export interface GatewayHandleOptions {
  signal: AbortSignal
  onProgress: (event: GatewayProgress) => void
}

const ALLOWED_METHODS = new Set(['GET', 'HEAD'])

/**
 * `?format=` of the path gateway spec, as the Accept type it stands for:
 * verified-fetch reads only the Accept header.
 */
export const FORMAT_TYPES: Readonly<Record<string, string>> = {
  raw: 'application/vnd.ipld.raw',
  car: 'application/vnd.ipld.car',
  tar: 'application/x-tar',
  'dag-json': 'application/vnd.ipld.dag-json',
  'dag-cbor': 'application/vnd.ipld.dag-cbor',
  json: 'application/json',
  cbor: 'application/cbor',
  'ipns-record': 'application/vnd.ipfs.ipns-record'
}

/** The request's headers, with `?format=` turned into the Accept header it means (it wins over Accept). */
function headersWithFormat (request: GatewayRequest): Array<[string, string]> {
  const format = new URLSearchParams(request.search).get('format')
  const type = format == null ? undefined : FORMAT_TYPES[format]
  if (type == null) return request.headers
  return [...request.headers.filter(([name]) => name.toLowerCase() !== 'accept'), ['accept', type]]
}
const DAG_PB_TYPE = 'application/vnd.ipld.dag-pb'

export class NodeGateway {
  private verifiedFetch?: Promise<VerifiedFetch>

  constructor (private readonly components: GatewayComponents) {}

  private get timeoutMs (): number {
    return this.components.config.fetchTimeoutSeconds * 1000
  }

  async handle (request: GatewayRequest, options: GatewayHandleOptions): Promise<GatewayResponse> {
    options.onProgress({ type: 'gateway:accepted' })
    const invalid = checkRequest(request)
    if (invalid != null) return invalid

    this.verifiedFetch ??= createVerifiedFetch(this.components.helia)
    const fetch = await this.verifiedFetch
    // The timeout covers finding the content and its first bytes; once the
    // response starts, a long stream (a video) may take as long as it takes.
    const timeout = new AbortController()
    const timer = setTimeout(() => { timeout.abort(new DOMException('gateway timeout', 'TimeoutError')) }, this.timeoutMs)
    const signal = AbortSignal.any([options.signal, timeout.signal])
    let response: Response
    try {
      response = await fetch(await this.resource(request, signal), {
        method: request.method,
        headers: headersWithFormat(request),
        signal,
        redirect: 'manual',
        // A self-hosted network's gateways live on loopback and plain http.
        allowLocal: true,
        allowInsecure: true
      })
    } catch (err) {
      if (options.signal.aborted) throw err
      const name = (err as Error).name
      if (timeout.signal.aborted || name === 'AbortError' || name === 'TimeoutError') return this.timedOut(request)
      if (name === 'NotFoundError' || name === 'DoesNotExistError') return page(404, { status: 404, title: 'Not found', explanation: [`${describe(request)} does not exist.`] })
      return page(502, { status: 502, title: 'Could not load', explanation: [`Reading ${describe(request)} failed: ${(err as Error).message}`], retry: true })
    } finally {
      clearTimeout(timer)
    }

    if (response.status === 504) {
      const error = parseError(await response.text())
      return UNVERIFIED_RECORD.has(error.name) ? unverifiedRecord(request, error.message) : this.timedOut(request, error.message)
    }
    if (isRedirect(response.status)) return redirectInBrowserTerms(request, response)
    if (response.status >= 400 && wantsHtml(request)) return errorFrom(request, response.status, response.statusText, await response.text())
    if (isDirectoryBlock(response) && wantsListing(request)) return await this.listing(request, response, signal)
    if (request.form === 'path') {
      if (ACTIVE_TYPES.test(response.headers.get('content-type') ?? '') && !this.components.trusted.has(request.root)) {
        await response.body?.cancel()
        return untrustedPage(request)
      }
      // On the app origin nothing may be sniffed into something that runs.
      response.headers.set('x-content-type-options', 'nosniff')
    }
    return {
      status: response.status,
      statusText: response.statusText,
      headers: withDownload(request, [...response.headers]),
      body: request.method === 'HEAD' ? null : response.body
    }
  }

  /**
   * What verified-fetch is asked for. Its TAR export walks the request's
   * path a second time below the already-resolved target (8.0.4 builds
   * `/ipfs/<target><path>`), which fails for any path but the root: a TAR of
   * a path is asked for as the TAR of the CID that path resolves to.
   */
  private async resource (request: GatewayRequest, signal: AbortSignal): Promise<string> {
    const accept = headersWithFormat(request).find(([name]) => name.toLowerCase() === 'accept')?.[1] ?? ''
    if (!accept.includes('application/x-tar') || request.namespace !== 'ipfs' || request.path === '/') return contentResource(request)
    const target = await this.components.content.resolve(CID.parse(request.root), (pathSegments(request) ?? []).join('/'), signal)
    return contentResource({ ...request, root: target.toString(), path: '/' })
  }

  private async listing (request: GatewayRequest, response: Response, signal: AbortSignal): Promise<GatewayResponse> {
    await response.body?.cancel()
    const roots = (response.headers.get('x-ipfs-roots') ?? '').split(',').filter(Boolean)
    const directory = CID.parse(roots.at(-1) ?? request.root)
    const entries = await this.components.content.list(directory, signal)
    const path = `${request.base}${request.path}`
    const title = `/${request.namespace}/${request.root}${decodeURIComponent(request.path)}`
    const body = directoryListingPage(title, path, directory.toString(), entries.map(entry => ({
      name: entry.name, cid: entry.cid, size: entry.size, directory: entry.type === 'directory'
    })))
    const headers = generatedPageHeaders(body)
    const etag = response.headers.get('etag')
    if (etag != null) headers.push(['etag', `"DirIndex-${etag.replaceAll('"', '')}"`])
    const cacheControl = response.headers.get('cache-control')
    if (cacheControl != null) headers.push(['cache-control', cacheControl])
    headers.push(['x-ipfs-roots', roots.join(',')])
    return { status: 200, statusText: 'OK', headers, body: request.method === 'HEAD' ? null : textStream(body) }
  }

  /** @param details what verified-fetch said, when it gave up itself */
  private timedOut (request: GatewayRequest, details?: string): GatewayResponse {
    const { config, connectedPeers } = this.components
    const seconds = Math.round(this.timeoutMs / 1000)
    return page(504, {
      status: 504,
      title: 'Gateway timeout',
      explanation: [
        `${describe(request)} did not arrive within ${seconds} s.`,
        'The content may be offline, or nobody this node can reach has it. Try again later, check the Peers screen, or raise the fetch timeout in Settings.',
        ...(details == null || details === '' ? [] : [`Details: ${details}`])
      ],
      tried: [
        'The blocks stored in this browser',
        `${connectedPeers()} connected peer${connectedPeers() === 1 ? '' : 's'} (bitswap)`,
        config.delegates.length === 0 ? 'No delegate routers are set' : `Delegate routers: ${config.delegates.join(', ')}`,
        config.gateways.length === 0 ? 'No trustless gateways are set' : `Trustless gateways: ${config.gateways.join(', ')}`
      ],
      retry: true
    })
  }
}

/** Names verified-fetch (and @helia/ipns) give a record that did not verify. */
const UNVERIFIED_RECORD = new Set(['RecordsFailedValidationError', 'InvalidRecordDataError', 'SignatureVerificationError', 'RecordExpiredError'])

/** verified-fetch's JSON error body ({ error: { name, message, stack } }), or the text as it is. */
function parseError (body: string): { name: string, message: string } {
  try {
    const parsed = JSON.parse(body) as { error?: { name?: string, message?: string } }
    return { name: parsed.error?.name ?? '', message: parsed.error?.message ?? body }
  } catch {
    return { name: '', message: body }
  }
}

/** An error page from verified-fetch's error body, its stack left out. */
function errorFrom (request: GatewayRequest, status: number, statusText: string, body: string): GatewayResponse {
  const { name, message } = parseError(body)
  if (UNVERIFIED_RECORD.has(name)) return unverifiedRecord(request, message)
  return page(status, { status, title: statusText || 'Error', explanation: [message], retry: status >= 500 })
}

function unverifiedRecord (request: GatewayRequest, message: string): GatewayResponse {
  return page(502, {
    status: 502,
    title: 'Record failed verification',
    explanation: [
      `The IPNS record found for ${describe(request)} failed verification (${message}): it was not signed by the name's key, or it is damaged or expired. Nothing from it is shown.`,
      'Whoever sent it (a delegate router or a peer) cannot be trusted for this name; try again later or with other delegate routers in Settings.'
    ],
    retry: true
  })
}

/** What path mode shows instead of a page from a root the user has not trusted. */
function untrustedPage (request: GatewayRequest): GatewayResponse {
  const root = `/${request.namespace}/${request.root}`
  return page(403, {
    status: 403,
    title: 'Not trusted yet',
    explanation: [
      `${describe(request)} is a web page. This Pollen serves content on its own origin (path mode, for hosts without wildcard subdomains), so a page shown here would run with Pollen's own rights: it could read your files, change your settings and use your node.`,
      `Pollen shows pages only from roots you trust. Images, videos and other files from ${root} open without that.`
    ],
    links: [{ href: `/#/settings?trust=${encodeURIComponent(request.root)}&then=${encodeURIComponent(`${request.base}${request.path}${request.search}`)}`, text: `Trust ${root} in Settings`, testId: 'trust-link' }]
  })
}

function describe (request: GatewayRequest): string {
  return `/${request.namespace}/${request.root}${request.path === '/' ? '' : decodeURIComponent(request.path)}`
}

/** A 400 or 405 for what cannot be served at all, before any lookup. */
function checkRequest (request: GatewayRequest): GatewayResponse | undefined {
  if (!ALLOWED_METHODS.has(request.method)) {
    const response = page(405, { status: 405, title: 'Method not allowed', explanation: [`The gateway only reads content: ${request.method} is not supported, use GET or HEAD.`] })
    response.headers.push(['allow', 'GET, HEAD'])
    return response
  }
  const format = new URLSearchParams(request.search).get('format')
  if (format != null && FORMAT_TYPES[format] == null) {
    return page(400, { status: 400, title: 'Bad request', explanation: [`?format=${format} is not a format this gateway serves; use one of ${Object.keys(FORMAT_TYPES).join(', ')}.`] })
  }
  if (request.namespace === 'ipfs') {
    try {
      CID.parse(request.root)
    } catch {
      return page(400, { status: 400, title: 'Bad request', explanation: [`"${request.root}" is not a valid CID. A CID looks like bafy… or Qm….`] })
    }
  }
  if (pathSegments(request) == null) {
    return page(400, { status: 400, title: 'Bad request', explanation: [`The path ${request.path} is not valid percent-encoding.`] })
  }
  return undefined
}

/** The request path's segments, decoded; undefined when its percent-encoding is broken. */
function pathSegments (request: GatewayRequest): string[] | undefined {
  try {
    return request.path.split('/').filter(s => s !== '').map(s => decodeURIComponent(s))
  } catch {
    return undefined
  }
}

/** `?download=true` asks for an attachment, which verified-fetch honours for directories only. */
function withDownload (request: GatewayRequest, headers: Array<[string, string]>): Array<[string, string]> {
  if (new URLSearchParams(request.search).get('download') !== 'true') return headers
  return headers.map(([name, value]): [string, string] => name === 'content-disposition' ? [name, value.replace(/^inline\b/, 'attachment')] : [name, value])
}

function isRedirect (status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308
}

/** verified-fetch writes Location as ipfs://root/…; the browser needs its own URL for it. */
function redirectInBrowserTerms (request: GatewayRequest, response: Response): GatewayResponse {
  const headers = [...response.headers].map(([name, value]): [string, string] => {
    if (name !== 'location') return [name, value]
    const prefix = `${request.namespace}://${request.root}`
    return [name, value.startsWith(prefix) ? `${request.base}${value.slice(prefix.length)}` : value]
  })
  return { status: response.status, statusText: response.statusText, headers, body: null }
}

function isDirectoryBlock (response: Response): boolean {
  return response.status === 200 && response.headers.get('content-type') === DAG_PB_TYPE && /directory/.test(response.headers.get('x-unixfs-type') ?? '')
}

function headerOf (request: GatewayRequest, name: string): string {
  return request.headers.find(([key]) => key.toLowerCase() === name)?.[1] ?? ''
}

/** A browser asking for a directory gets a listing, unless it asked for the block or a CAR. */
function wantsListing (request: GatewayRequest): boolean {
  const format = new URLSearchParams(request.search).get('format')
  if (format != null && format !== '') return false
  return !/application\/vnd\.ipld\./.test(headerOf(request, 'accept'))
}

function wantsHtml (request: GatewayRequest): boolean {
  return headerOf(request, 'accept').includes('text/html')
}

function textStream (text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text)
  return new ReadableStream({ start (controller) { controller.enqueue(bytes); controller.close() } })
}

function page (status: number, init: ErrorPageInit): GatewayResponse {
  const body = errorPage(init)
  return { status, statusText: init.title, headers: [...generatedPageHeaders(body), ['cache-control', 'no-store']], body: textStream(body) }
}
