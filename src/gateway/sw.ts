/// <reference lib="webworker" />
/**
 * The app origin's service worker: the Workbox-precached app shell (so the
 * app opens offline after the first visit) and streamed downloads. Gateway
 * routing for /ipfs/ and /ipns/ joins it in its own module.
 */
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching'
import { NavigationRoute, registerRoute } from 'workbox-routing'
import { DOWNLOAD_PREFIX, isDownloadOffer, type DownloadOffer } from '../lib/download.ts'

declare const self: ServiceWorkerGlobalScope

precacheAndRoute(self.__WB_MANIFEST)
cleanupOutdatedCaches()
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html'), {
  denylist: [new RegExp(`^${DOWNLOAD_PREFIX}`), /^\/deployment\.json$/]
}))

self.addEventListener('install', () => { void self.skipWaiting() })
self.addEventListener('activate', event => { event.waitUntil(self.clients.claim()) })

/** Streams offered by pages, waiting for the browser's download request. */
const offers = new Map<string, DownloadOffer>()
const OFFER_TTL_MS = 60_000

self.addEventListener('message', event => {
  if (!isDownloadOffer(event.data)) return
  const offer = event.data
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
