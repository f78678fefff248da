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

export interface DirectoryListing {
  namespace: 'ipfs' | 'ipns'
  root: string
  /** The directory's path below the root, percent-encoded as the browser sees it. */
  path: string
  /** Where the browser sees the root: '' on a content origin, '/ipfs/<root>' in path mode. */
  base: string
  /**
   * The path gateway as a link prefix: '' where the page is on it (path mode),
   * `//<app host>` on a content origin. Breadcrumbs and CIDs link there.
   */
  pathGateway: string
  /** A DNSLink website's own origin (`//<label>.ipns.<app host>`): its breadcrumbs stay on the site. */
  siteOrigin?: string
  directoryCid: string
  entries: ListingEntry[]
}

/**
 * A directory's entries, laid out as Kubo's listing is (links without a
 * trailing slash, `..` as `<dir>/..`, breadcrumbs and each CID on the path
 * gateway), so that tools written against gateways read it alike.
 */
export function directoryListingPage (listing: DirectoryListing): string {
  const dir = sameOriginPath(`${listing.base}${listing.path.endsWith('/') ? listing.path : `${listing.path}/`}`)
  const segments = listing.path.split('/').filter(s => s !== '')
  const rootPath = listing.siteOrigin ?? `${listing.pathGateway}/${listing.namespace}/${listing.root}`
  const rootHref = listing.siteOrigin == null ? rootPath : `${rootPath}/`
  const crumbs = segments.map((segment, i) => html`/<a href="${rootPath}/${segments.slice(0, i + 1).join('/')}">${safeDecode(segment)}</a>`)
  const title = `/${listing.namespace}/${listing.root}${segments.map(s => `/${safeDecode(s)}`).join('')}`
  const rows = listing.entries.map(entry => html`<tr><td><a href="${dir}${encodeURIComponent(entry.name)}">${entry.name}</a></td><td class="type">${entry.directory ? 'folder' : ''}</td><td class="size">${entry.directory ? '' : formatBytes(entry.size)}</td><td class="cid"><a class="ipfs-hash" translate="no" href="${listing.pathGateway}/ipfs/${entry.cid}?filename=${encodeURIComponent(encodeURIComponent(entry.name))}">${entry.cid}</a></td></tr>`)
  const parent = segments.length === 0 ? html`` : html`<tr><td><a href="${dir}..">..</a></td><td></td><td></td><td></td></tr>`
  return htmlPage(`Index of ${title}`, html`<h1>Index of /${listing.namespace}/<a href="${rootHref}">${listing.root}</a>${crumbs}</h1>
<p class="note">${listing.entries.length} ${listing.entries.length === 1 ? 'entry' : 'entries'} · directory ${listing.directoryCid}</p>
<table><thead><tr><th>Name</th><th>Type</th><th>Size</th><th>CID</th></tr></thead><tbody>${parent}${rows}</tbody></table>
<footer>Served by Pollen from this browser's IPFS node.</footer>`)
}

function safeDecode (segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch {
    return segment
  }
}

export interface DagIndex {
  /** What the page shows, e.g. /ipfs/bafy…/a */
  title: string
  cid: string
  /** The node as JSON (DAG-JSON for DAG-CBOR, a link as {"/": cid}). */
  json: string
  /** As for a listing: '' on the path gateway, `//<app host>` on a content origin. */
  pathGateway: string
}

/** A DAG-JSON or DAG-CBOR node for a person to read: its JSON, each CID in it a link. */
export function dagIndexPage (dag: DagIndex): string {
  const parts = dag.json.split(/("\/": "[a-zA-Z0-9]+")/).map(part => {
    const link = /^"\/": "([a-zA-Z0-9]+)"$/.exec(part)
    return link == null ? html`${part}` : html`"/": "<a href="${dag.pathGateway}/ipfs/${link[1]}/">${link[1]}</a>"`
  })
  return htmlPage(`${dag.title}`, html`<h1>${dag.title}</h1>
<p class="note">DAG node ${dag.cid}: as the node itself, add <a href="?format=dag-json">?format=dag-json</a> or <a href="?format=dag-cbor">?format=dag-cbor</a>.</p>
<pre>${parts}</pre>
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
