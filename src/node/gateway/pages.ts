/**
 * The pages the gateway writes itself: errors that say what was tried and
 * what to do (verified-fetch answers errors with JSON and a stack), the
 * refusals, and path mode's "not trusted yet".
 */
import { errorPage, generatedPageHeaders, type ErrorPageInit } from '../../lib/gateway-pages.ts'
import type { RefusalStatus } from '../content-guard.ts'
import { wantsHtml, type ParsedRequest } from './request.ts'
import type { GatewayComponents } from './handler.ts'
import type { GatewayResponse } from '../../lib/protocol.ts'

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
    // Most errors come as { error: { name, message } }; a `_redirects` file's as { name, message, stack }.
    const parsed = JSON.parse(body) as { error?: { name?: string, message?: string }, name?: string, message?: string }
    const error = parsed.error ?? parsed
    return { name: error.name ?? '', message: error.message ?? body }
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
/** verified-fetch's names for a `_redirects` file it cannot apply (a 500: the site is broken). */
const REDIRECTS_FILE_ERRORS = new Set(['InvalidRedirectsFileError', 'RedirectsFileTooLargeError', 'InvalidRedirectStatusCodeError', 'DuplicatePlaceholderError'])

export function errorFrom (request: ParsedRequest, status: number, statusText: string, body: string): GatewayResponse {
  const parsed = parseError(body)
  const { name } = parsed
  if (isUnverifiedRecord(name)) return unverifiedRecord(request, parsed.message)
  const message = REDIRECTS_FILE_ERRORS.has(name) ? `could not parse _redirects: ${parsed.message}` : parsed.message
  if (wantsHtml(request)) return page({ status, title: statusText || 'Error', explanation: [message], retry: status >= 500 })
  return { status, statusText, headers: [['content-type', 'text/plain; charset=utf-8'], ['cache-control', 'no-store'], ['x-content-type-options', 'nosniff']], body: textStream(`${message}\n`) }
}

export function unverifiedRecord (request: ParsedRequest, message: string): GatewayResponse {
  return page({
    status: 502,
    title: 'Record failed verification',
    explanation: [
      `The IPNS record found for ${request.described} failed verification (${message}): it was not signed by the name's key, or it is damaged or expired. Nothing from it is shown.`,
      'Whoever sent it (a delegate router or a peer) cannot be trusted for this name; try again later or with other delegate routers in Settings.'
    ],
    retry: true
  })
}

/** @param details what verified-fetch said, when it gave up itself */
export function timedOut (request: ParsedRequest, components: GatewayComponents, details?: string): GatewayResponse {
  const { config, connectedPeers } = components
  const peers = connectedPeers()
  // Kinds and counts only: the page is shown to content origins, which need not learn the user's settings.
  const count = (n: number, what: string): string => n === 0 ? `No ${what}s are set` : `${n} ${what}${n === 1 ? '' : 's'}`
  return page({
    status: 504,
    title: 'Gateway timeout',
    explanation: [
      `${request.described} did not arrive within ${config.fetchTimeoutSeconds} s.`,
      'The content may be offline, or nobody this node can reach has it. Try again later, check the Peers screen, or raise the fetch timeout in Settings.',
      ...(details == null || details === '' ? [] : [`Details: ${details}`])
    ],
    tried: [
      'The blocks stored in this browser',
      `${peers} connected peer${peers === 1 ? '' : 's'} (bitswap)`,
      count(config.delegates.length, 'delegate router'),
      count(config.gateways.length, 'trustless gateway')
    ],
    retry: true
  })
}

/** What path mode shows instead of a page from a root the user has not trusted. */
export function untrustedPage (request: ParsedRequest): GatewayResponse {
  const root = `/${request.namespace}/${request.root}`
  const then = `${request.base}${request.path}${request.search}`
  return page({
    status: 403,
    title: 'Not trusted yet',
    explanation: [
      `${request.described} is a web page. This Pollen serves content on its own origin (path mode, for hosts without wildcard subdomains), so a page shown here would run with Pollen's own rights: it could read your files, change your settings and use your node.`,
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
  if (status === 405) response.headers.push(['allow', 'GET, HEAD, OPTIONS'])
  return response
}
