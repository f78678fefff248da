/**
 * The service worker on a content origin (<root>.ipfs.<app host>): every
 * same-origin request is content, served by the node. It keeps no app shell
 * (no second copy per origin); only the boot document and its scripts, a
 * few kilobytes, are cached so that a cold start works offline. The page's
 * content shares that cache (it is this origin's), so a kept file is served
 * only when its SHA-256 is the one the build gave this worker.
 */
import { canonicalContentUrl, parseSubdomainRequest } from '../lib/gateway-url.ts'
import { isMessage, type ShowUnheldMessage } from '../lib/protocol.ts'
import { pageResponse, serveContent } from './content-requests.ts'
import { BootClients } from './boot-clients.ts'
import type { NodePort } from './node-port.ts'
import type { PrecacheEntry } from 'workbox-precaching'

declare const self: ServiceWorkerGlobalScope

export const BOOT_CACHE = 'pollen-boot'
export const BOOT_PATH = '/boot.html'

/**
 * How long a subresource waits for a port on a content origin, where only a
 * boot document can give one: one in another tab, or the holder of this page
 * (holder.ts), which asks its bridge for a new port when this worker restarted.
 */
const CONTENT_PORT_WAIT_MS = 5_000

/**
 * @returns whether a message's sender may hand this worker a node port: only
 * a boot document may (content pages of this origin could otherwise answer
 * their own requests, or later visitors', through a port of their making)
 */
export function registerContentOrigin (node: NodePort, manifest: Array<PrecacheEntry | string>): (source: Client | ServiceWorker | MessagePort | null) => Promise<boolean> {
  /** Documents answered with the boot document: their own requests are the boot's scripts. */
  const bootClients = new BootClients()
  const integrity = integrityByPath(manifest)

  const bootDocument = async (event: FetchEvent): Promise<Response> => {
    if (event.resultingClientId !== '') bootClients.add(event.resultingClientId)
    return await fromNetworkOrCache(new Request(BOOT_PATH), integrity)
  }

  // A worker installed with no predecessor was registered by a boot document
  // the static server sent (a fresh profile): the windows open at activation
  // are those boot documents, since only a worker could have served content.
  let firstWorker = false
  self.addEventListener('install', () => { firstWorker = self.registration.active == null })
  // A new worker comes with a new build: the boot files kept for the old one go.
  self.addEventListener('activate', event => {
    event.waitUntil((async () => {
      await caches.delete(BOOT_CACHE)
      if (!firstWorker) return
      for (const client of await self.clients.matchAll({ type: 'window', includeUncontrolled: true })) bootClients.add(client.id)
    })())
  })

  /** URLs whose next navigation is content, not a holding boot document (ShowUnheldMessage). */
  const unheld = new Set<string>()
  self.addEventListener('message', event => {
    if (!isMessage<ShowUnheldMessage>(event.data, 'pollen:show-unheld')) return
    const source = event.source
    if (source instanceof Client) event.waitUntil(bootClients.has(source.id).then(trusted => { if (trusted) unheld.add(event.data.url) }))
  })
  /** Where pages must hold the node, every top document is a boot document that does (holder.ts). */
  const mustHold = (request: Request): boolean =>
    node.pagesHoldNode && request.mode === 'navigate' && request.destination === 'document' && !unheld.delete(request.url)

  self.addEventListener('fetch', event => {
    const url = new URL(event.request.url)
    if (url.origin !== self.location.origin) return
    // A navigation the boot document starts (its reload) is content again.
    if (event.request.mode !== 'navigate' && bootClients.hasNow(event.clientId)) {
      event.respondWith(fromNetworkOrCache(event.request, integrity))
      return
    }
    const content = parseSubdomainRequest(url)
    if (content == null) return
    // One origin per root: another spelling of the root moves to it.
    const canonical = canonicalContentUrl(url)
    if (canonical != null) {
      event.respondWith(Response.redirect(canonical, 301))
      return
    }
    if (mustHold(event.request)) {
      event.respondWith(bootDocument(event))
      return
    }
    event.respondWith(serveContent(event, content, '', {
      node,
      bootDocument: async () => await bootDocument(event),
      // Only a boot document (in another tab) could hand this origin a port.
      portWaitMs: CONTENT_PORT_WAIT_MS
    }))
  })

  return async source => source instanceof Client && await bootClients.has(source.id)
}

/** The SRI digest of each precached file by its path, as the build wrote them (vite.config.ts). */
function integrityByPath (manifest: Array<PrecacheEntry | string>): Map<string, string> {
  const byPath = new Map<string, string>()
  for (const entry of manifest) {
    if (typeof entry !== 'string' && entry.integrity != null) byPath.set(new URL(entry.url, self.location.origin).pathname, entry.integrity)
  }
  return byPath
}

async function sha256Integrity (response: Response): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await response.arrayBuffer()))
  return `sha256-${btoa(String.fromCharCode(...digest))}`
}

/**
 * The static server's copy when it answers, kept for later; the kept copy
 * when it does not, if it is still the file the build made.
 */
async function fromNetworkOrCache (request: Request, integrity: Map<string, string>): Promise<Response> {
  const cache = await caches.open(BOOT_CACHE)
  try {
    const response = await fetch(request)
    if (response.ok) await cache.put(request, response.clone())
    return response
  } catch (err) {
    const kept = await cache.match(request)
    if (kept == null) throw err
    const expected = integrity.get(new URL(request.url).pathname)
    if (expected != null && expected === await sha256Integrity(kept.clone())) return kept
    await cache.delete(request)
    return pageResponse(503, 'Offline', [
      'Pollen cannot open this page while the server is out of reach: its start-up files kept in this browser were changed (by the content of this origin, or by an update), so they are not used.',
      'Open this page again when you are online.'
    ])
  }
}
