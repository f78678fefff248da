/**
 * The service worker on a content origin (<root>.ipfs.<app host>): every
 * same-origin request is content, served by the node. It keeps no app shell
 * (no second copy per origin); only the boot document and its scripts, a
 * few kilobytes, are cached so that a cold start works offline. The page's
 * content shares that cache (it is this origin's), so a kept file is served
 * only when its SHA-256 is the one the build gave this worker.
 */
import { canonicalContentUrl, parseSubdomainRequest } from '../lib/gateway-url.ts'
import { pageResponse, serveContent } from './content-requests.ts'
import type { NodePort } from './node-port.ts'
import type { PrecacheEntry } from 'workbox-precaching'

declare const self: ServiceWorkerGlobalScope

export const BOOT_CACHE = 'pollen-boot'
export const BOOT_PATH = '/boot.html'

/** How long a subresource waits for a port on a content origin, where only a boot document can give one. */
const CONTENT_PORT_WAIT_MS = 2_000
/** Boot documents remembered at once; each lives a second or two before it reloads. */
const MAX_BOOT_CLIENTS = 16

/**
 * @returns whether a message's sender may hand this worker a node port: only
 * a boot document may (content pages of this origin could otherwise answer
 * their own requests, or later visitors', through a port of their making)
 */
export function registerContentOrigin (node: NodePort, manifest: Array<PrecacheEntry | string>): (source: Client | ServiceWorker | MessagePort | null) => boolean {
  /** Documents this worker answered with the boot document: their own requests are the boot's scripts. */
  const bootClients = new Set<string>()
  const integrity = integrityByPath(manifest)

  const bootDocument = async (event: FetchEvent): Promise<Response> => {
    if (event.resultingClientId !== '') bootClients.add(event.resultingClientId)
    for (const old of bootClients) {
      if (bootClients.size <= MAX_BOOT_CLIENTS) break
      bootClients.delete(old)
    }
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

  self.addEventListener('fetch', event => {
    const url = new URL(event.request.url)
    if (url.origin !== self.location.origin) return
    // A navigation the boot document starts (its reload) is content again.
    if (event.request.mode !== 'navigate' && bootClients.has(event.clientId)) {
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
    event.respondWith(serveContent(event, content, '', {
      node,
      bootDocument: async () => await bootDocument(event),
      // Only a boot document (in another tab) could hand this origin a port.
      portWaitMs: CONTENT_PORT_WAIT_MS
    }))
  })

  return source => source instanceof Client && bootClients.has(source.id)
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
