/**
 * Responses the gateway writes itself or rewrites: error pages (verified-fetch
 * answers errors with JSON and a stack), the path-mode refusal, redirects in
 * the browser's URLs, and `?download=true` for files.
 */
import { errorPage, generatedPageHeaders, type ErrorPageInit } from '../lib/gateway-pages.ts'
import { sameOriginPath } from '../lib/gateway-url.ts'
import type { RefusalStatus } from './content-guard.ts'
import { describe, wantsHtml } from './gateway-request.ts'
import type { GatewayRequest, GatewayResponse } from '../lib/protocol.ts'

/** Names verified-fetch (and @helia/ipns) give a record that did not verify. */
const UNVERIFIED_RECORD = new Set(['RecordsFailedValidationError', 'InvalidRecordDataError', 'SignatureVerificationError', 'RecordExpiredError'])

export function textStream (text: string): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text)
  return new ReadableStream({ start (controller) { controller.enqueue(bytes); controller.close() } })
}

export function page (init: ErrorPageInit): GatewayResponse {
  const body = errorPage(init)
  return { status: init.status, statusText: init.title, headers: [...generatedPageHeaders(body), ['cache-control', 'no-store']], body: textStream(body) }
}

/** verified-fetch's JSON error body ({ error: { name, message, stack } }), or the text as it is. */
export function parseError (body: string): { name: string, message: string } {
  try {
    const parsed = JSON.parse(body) as { error?: { name?: string, message?: string } }
    return { name: parsed.error?.name ?? '', message: parsed.error?.message ?? body }
  } catch {
    return { name: '', message: body }
  }
}

export function isUnverifiedRecord (name: string): boolean {
  return UNVERIFIED_RECORD.has(name)
}

/**
 * An error from verified-fetch's error body, its stack left out (content
 * pages read these): a page for a browser, the message as text for others.
 */
export function errorFrom (request: GatewayRequest, status: number, statusText: string, body: string): GatewayResponse {
  const { name, message } = parseError(body)
  if (isUnverifiedRecord(name)) return unverifiedRecord(request, message)
  if (wantsHtml(request)) return page({ status, title: statusText || 'Error', explanation: [message], retry: status >= 500 })
  return { status, statusText, headers: [['content-type', 'text/plain; charset=utf-8'], ['cache-control', 'no-store'], ['x-content-type-options', 'nosniff']], body: textStream(`${message}\n`) }
}

export function unverifiedRecord (request: GatewayRequest, message: string): GatewayResponse {
  return page({
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
export function untrustedPage (request: GatewayRequest): GatewayResponse {
  const root = `/${request.namespace}/${request.root}`
  const then = `${request.base}${request.path}${request.search}`
  return page({
    status: 403,
    title: 'Not trusted yet',
    explanation: [
      `${describe(request)} is a web page. This Pollen serves content on its own origin (path mode, for hosts without wildcard subdomains), so a page shown here would run with Pollen's own rights: it could read your files, change your settings and use your node.`,
      `Pollen shows pages only from roots you trust. Images, videos and other files from ${root} open without that.`
    ],
    links: [{ href: `/#/settings?trust=${encodeURIComponent(root)}&then=${encodeURIComponent(then)}`, text: `Trust ${root} in Settings`, testId: 'trust-link' }]
  })
}

const REFUSAL_TITLES: Record<RefusalStatus, string> = {
  400: 'Bad request',
  403: 'Forbidden',
  405: 'Method not allowed',
  414: 'URI too long',
  429: 'Too many requests',
  431: 'Request header fields too large'
}

export function refused (status: RefusalStatus, reason: string): GatewayResponse {
  const response = page({ status, title: REFUSAL_TITLES[status], explanation: [reason] })
  if (status === 405) response.headers.push(['allow', 'GET, HEAD'])
  return response
}

export function isRedirect (status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308
}

/**
 * verified-fetch writes Location as ipfs://root/…; the browser needs its own
 * URL for it. A redirect within the root becomes a path on this origin (one
 * leading slash, so a `_redirects` rule cannot make it `//other.host/…`); one
 * to another root stays an ipfs:// or ipns:// URL, which the service worker
 * sends to that root's content origin; anything else is refused.
 */
export function redirectInBrowserTerms (request: GatewayRequest, response: Response): GatewayResponse {
  const location = response.headers.get('location') ?? ''
  const target = redirectTarget(request, location)
  if (target == null) {
    return page({
      status: 502,
      title: 'Redirect refused',
      explanation: [`${describe(request)} redirects to ${location.slice(0, 200)}, outside this gateway. Pollen follows redirects within the content's own origin and to other IPFS content only.`]
    })
  }
  const headers = [...response.headers].map(([name, value]): [string, string] => [name, name === 'location' ? target : value])
  return { status: response.status, statusText: response.statusText, headers, body: null }
}

function redirectTarget (request: GatewayRequest, location: string): string | undefined {
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

/** `?download=true` asks for an attachment, which verified-fetch honours for directories only. */
export function withDownload (request: GatewayRequest, headers: Array<[string, string]>): Array<[string, string]> {
  if (new URLSearchParams(request.search).get('download') !== 'true') return headers
  return headers.map(([name, value]): [string, string] => name === 'content-disposition' ? [name, value.replace(/^inline\b/, 'attachment')] : [name, value])
}
