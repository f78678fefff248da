/**
 * Pages the gateway writes itself: the HTML directory listing that
 * @helia/verified-fetch does not have (it answers a directory without
 * index.html with the raw dag-pb block), and error pages that say what
 * happened and what to do.
 */
import { formatBytes } from './format.ts'
import { sameOriginPath } from './gateway-url.ts'
import { GENERATED_PAGE_CSP, html, htmlPage, type SafeHtml } from './html.ts'

export interface ListingEntry {
  name: string
  cid: string
  size: number
  directory: boolean
}

/**
 * @param path the request path as the browser sees it, ending in '/'
 * @param title what the page is a listing of, e.g. /ipfs/bafy…/docs/
 */
export function directoryListingPage (title: string, path: string, rootCid: string, entries: ListingEntry[]): string {
  const base = sameOriginPath(path.endsWith('/') ? path : `${path}/`)
  const rows = entries.map(entry => html`<tr><td><a href="${base}${encodeURIComponent(entry.name)}${entry.directory ? '/' : ''}">${entry.name}${entry.directory ? '/' : ''}</a></td><td class="size">${entry.directory ? '' : formatBytes(entry.size)}</td><td class="cid">${entry.cid}</td></tr>`)
  const parent = base === '/' ? html`` : html`<tr><td><a href="${base.replace(/[^/]*\/$/, '')}">..</a></td><td></td><td></td></tr>`
  return htmlPage(`Index of ${title}`, html`<h1>Index of ${title}</h1>
<p class="note">${entries.length} ${entries.length === 1 ? 'entry' : 'entries'} · directory ${rootCid}</p>
<table><thead><tr><th>Name</th><th>Size</th><th>CID</th></tr></thead><tbody>${parent}${rows}</tbody></table>
<footer>Served by Pollen from this browser's IPFS node.</footer>`)
}

export interface ErrorPageInit {
  status: number
  title: string
  /** Sentences that explain, each its own paragraph. */
  explanation: string[]
  /** What the node tried before it gave up, one line each. */
  tried?: string[]
  /** Offer to load the same URL again. */
  retry?: boolean
  /** Where to go from here. */
  links?: Array<{ href: string, text: string, testId?: string }>
}

export function errorPage (init: ErrorPageInit): string {
  const tried = init.tried == null || init.tried.length === 0
    ? html``
    : html`<h2>What was tried</h2><ul>${init.tried.map(line => html`<li>${line}</li>`)}</ul>`
  // A link to the page itself reloads it without a script.
  const retry: SafeHtml = init.retry === true ? html`<p><a href="" data-testid="gateway-retry">Try again</a></p>` : html``
  const links = (init.links ?? []).map(link => html`<p><a href="${link.href}" data-testid="${link.testId ?? ''}">${link.text}</a></p>`)
  return htmlPage(`${init.status} ${init.title}`, html`<h1>${init.status} · ${init.title}</h1>${init.explanation.map(p => html`<p>${p}</p>`)}${tried}${retry}${links}
<footer>Pollen's gateway, in this browser.</footer>`)
}

/** Headers for a generated page: never cached, never sniffed, never scripted. */
export function generatedPageHeaders (body: string): Array<[string, string]> {
  return [
    ['content-type', 'text/html; charset=utf-8'],
    ['content-length', String(new TextEncoder().encode(body).byteLength)],
    ['content-security-policy', GENERATED_PAGE_CSP],
    ['x-content-type-options', 'nosniff']
  ]
}
