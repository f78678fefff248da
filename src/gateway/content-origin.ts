/**
 * The service worker on a content origin (<root>.ipfs.<app host>): every
 * same-origin request is content, served by the node. It keeps no app shell
 * (no second copy per origin); only the boot document and its scripts, a
 * few kilobytes, are cached so that a cold start works offline.
 */
import { parseSubdomainRequest } from '../lib/gateway-url.ts'
import { serveContent } from './content-requests.ts'
import type { NodePort } from './node-port.ts'

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
export function registerContentOrigin (node: NodePort): (source: Client | ServiceWorker | MessagePort | null) => boolean {
  /** Documents this worker answered with the boot document: their own requests are the boot's scripts. */
  const bootClients = new Set<string>()

  const bootDocument = async (event: FetchEvent): Promise<Response> => {
    if (event.resultingClientId !== '') bootClients.add(event.resultingClientId)
    for (const old of bootClients) {
      if (bootClients.size <= MAX_BOOT_CLIENTS) break
      bootClients.delete(old)
    }
    return await fromNetworkOrCache(new Request(BOOT_PATH))
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
      event.respondWith(fromNetworkOrCache(event.request))
      return
    }
    const content = parseSubdomainRequest(url)
    if (content == null) return
    event.respondWith(serveContent(event, content, '', {
      node,
      bootDocument: async () => await bootDocument(event),
      // Only a boot document (in another tab) could hand this origin a port.
      portWaitMs: CONTENT_PORT_WAIT_MS
    }))
  })

  return source => source instanceof Client && bootClients.has(source.id)
}

/** The static server's copy when it answers, kept for later; the kept copy when it does not. */
async function fromNetworkOrCache (request: Request): Promise<Response> {
  const cache = await caches.open(BOOT_CACHE)
  try {
    const response = await fetch(request)
    if (response.ok) await cache.put(request, response.clone())
    return response
  } catch (err) {
    const kept = await cache.match(request)
    if (kept != null) return kept
    throw err
  }
}
