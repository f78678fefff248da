/**
 * The service worker on the app origin: the precached app shell (the app
 * opens offline after the first visit), streamed downloads, and /ipfs/ and
 * /ipns/ links, which move to their own origin so that content never runs
 * with the app's (DESIGN.md §1).
 */
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute, type PrecacheEntry } from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { DOWNLOAD_PREFIX, isDownloadOffer, type DownloadOffer } from '../lib/download.ts'
import { unpackStreams } from '../lib/port-stream.ts'
import { PROTOCOL_HANDLER_PATH, parsePathRequest, protocolHandlerTarget, protocolUrlToPath, subdomainUrl } from '../lib/gateway-url.ts'
import { pageResponse, serveContent } from './content-requests.ts'
import { registerShareTarget } from './share-target.ts'
import type { GatewayMode } from '../lib/config.ts'
import type { NodePort } from './node-port.ts'

declare const self: ServiceWorkerGlobalScope

const OFFER_TTL_MS = 60_000

/** The gateway mode, kept for when the worker restarts without a node (the boot document then follows it). */
const MODE_CACHE = 'pollen-gateway'
const MODE_KEY = '/__pollen/gateway-mode'

async function storedMode (): Promise<GatewayMode | undefined> {
  const stored = await (await caches.open(MODE_CACHE)).match(MODE_KEY)
  const mode = await stored?.text()
  return mode === 'path' || mode === 'subdomain' ? mode : undefined
}

/** @returns whether a message's sender may hand this worker a node port: any page of the app origin */
export function registerAppOrigin (node: NodePort, manifest: Array<PrecacheEntry | string>): (source: Client | ServiceWorker | MessagePort | null) => boolean {
  precacheAndRoute(manifest)
  cleanupOutdatedCaches()
  node.onMode = mode => { void caches.open(MODE_CACHE).then(async cache => { await cache.put(MODE_KEY, new Response(mode)) }) }
  const bootDocument = createHandlerBoundToURL('boot.html')
  const serveContentPath = async (url: URL, event: FetchEvent): Promise<Response> => {
    if (/^\/ip[fn]s\/$/.test(url.pathname) && url.searchParams.has('uri')) return redirectUriParameter(url, event.request)
    const mode = node.mode ?? await storedMode() ?? 'subdomain'
    if (mode === 'subdomain') return redirectToContentOrigin(url, event.request)
    // Path mode: the content is served here, on the app origin; the node refuses pages from untrusted roots.
    const content = parsePathRequest(url)!
    return await serveContent(event, content, `/${content.namespace}/${content.root}`, {
      node,
      form: 'path',
      bootDocument: async () => await bootDocument({ url, event, request: event.request })
    })
  }
  registerRoute(({ url, sameOrigin }) => sameOrigin && parsePathRequest(url) != null, async ({ url, event }) => await serveContentPath(url, event as FetchEvent))
  // Workbox routes GET only; HEAD, CORS preflights and the methods the gateway refuses reach it too.
  self.addEventListener('fetch', event => {
    const url = new URL(event.request.url)
    if (event.request.method !== 'GET' && url.origin === self.location.origin && parsePathRequest(url) != null) event.respondWith(serveContentPath(url, event))
  })
  registerRoute(({ url, sameOrigin }) => sameOrigin && url.pathname === PROTOCOL_HANDLER_PATH, async ({ url }) => redirectProtocolLink(url, node.mode ?? await storedMode() ?? 'subdomain'))
  registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), {
    denylist: [new RegExp(`^${DOWNLOAD_PREFIX}`), /^\/deployment\.json$/, /^\/ip[fn]s\//, new RegExp(`^${PROTOCOL_HANDLER_PATH}$`)]
  }))
  registerDownloads()
  registerShareTarget()
  return source => source instanceof Client
}

/** An ipfs:// or ipns:// link the browser handed to Pollen: to its content origin (its path in path mode). */
function redirectProtocolLink (url: URL, mode: GatewayMode): Response {
  try {
    return new Response(null, { status: 302, headers: { location: protocolHandlerTarget(url, mode) } })
  } catch (err) {
    return pageResponse(400, 'Not an IPFS link', [(err as Error).message])
  }
}

/**
 * `/ipfs/?uri=ipfs://…`: the form registerProtocolHandler gives a handler
 * registered as `/ipfs/?uri=%s`. 301 to the content path it names.
 */
function redirectUriParameter (url: URL, request: Request): Response {
  try {
    const uri = url.searchParams.get('uri') ?? ''
    const path = protocolUrlToPath(uri)
    // ipns://name is /ipns/name, as written: the slash is the gateway's to add.
    return new Response(null, { status: 301, headers: { location: new URL(uri).pathname === '' ? path.replace(/\/(?=\?|$)/, '') : path } })
  } catch (err) {
    return pageResponse(400, 'Not an IPFS link', [(err as Error).message], request.headers.get('accept'))
  }
}

/** 301 to `<root>.<namespace>.<app host>`, as a subdomain gateway does; 400 when the root cannot have an origin. */
function redirectToContentOrigin (url: URL, browserRequest: Request): Response {
  const request = parsePathRequest(url)!
  try {
    return new Response(null, { status: 301, headers: { location: subdomainUrl(url, request) } })
  } catch (err) {
    const name = (err as Error).name
    if (name === 'InvalidCidError' || name === 'LabelTooLongError') {
      const message = name === 'LabelTooLongError' ? (err as Error).message : `invalid path "${url.pathname}": ${(err as Error).message}`
      return pageResponse(400, name === 'LabelTooLongError' ? 'Name too long for a subdomain' : 'Bad request', [message], browserRequest.headers.get('accept'))
    }
    throw err
  }
}

function registerDownloads (): void {
  /** Streams offered by pages, waiting for the browser's download request. */
  const offers = new Map<string, DownloadOffer>()

  self.addEventListener('message', event => {
    const data: unknown = unpackStreams(event.data)
    if (!isDownloadOffer(data)) return
    const offer = data
    offers.set(offer.id, offer)
    setTimeout(() => {
      if (offers.delete(offer.id)) void offer.stream.cancel('nobody downloaded it')
    }, OFFER_TTL_MS)
    event.ports[0]?.postMessage({ ready: offer.id })
  })

  registerRoute(({ url, sameOrigin }) => sameOrigin && url.pathname.startsWith(DOWNLOAD_PREFIX), async ({ url }) => {
    const offer = offers.get(url.pathname.slice(DOWNLOAD_PREFIX.length))
    if (offer == null) return new Response('This download has expired; start it again from Pollen.', { status: 410 })
    offers.delete(offer.id)
    const headers = new Headers({
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(offer.name)}`,
      'X-Content-Type-Options': 'nosniff'
    })
    if (offer.size != null) headers.set('Content-Length', String(offer.size))
    return new Response(offer.stream, { headers })
  })
}
