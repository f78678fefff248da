/// <reference lib="webworker" />
/**
 * Pollen's service worker, registered on the app origin and on every content
 * origin (<cid>.ipfs.<app host>), and thin on both:
 * - app origin: the Workbox-precached app shell, streamed downloads, and
 *   /ipfs/ and /ipns/ links redirected to their content origins;
 * - content origin: every same-origin request served by the node through a
 *   port (node-port.ts), the boot document when there is none yet.
 */
import { isMessage, type NodePortMessage } from '../lib/protocol.ts'
import { classifyHost } from '../lib/content-host.js'
import { registerAppOrigin } from './app-origin.ts'
import { registerContentOrigin } from './content-origin.ts'
import { pageResponse } from './content-requests.ts'
import { NodePort } from './node-port.ts'

declare const self: ServiceWorkerGlobalScope

const node = new NodePort()

self.addEventListener('install', () => { void self.skipWaiting() })
self.addEventListener('activate', event => { event.waitUntil(self.clients.claim()) })

/** The build's precache list (the injection point: it must appear once). */
const manifest = self.__WB_MANIFEST
const host = classifyHost(self.location.hostname)
const acceptsPortFrom = host.kind === 'app'
  ? registerAppOrigin(node, manifest)
  : host.kind === 'content'
    ? registerContentOrigin(node, manifest)
    : refuseEverything(host.reason)

self.addEventListener('message', event => {
  const message = event.data
  const [port, reply] = event.ports
  if (!isMessage<NodePortMessage>(message, 'pollen:node-port') || port == null) return
  event.waitUntil((async () => {
    if (!await acceptsPortFrom(event.source)) return
    node.set(port, message.pagesHoldNode === true)
    // Answer on the port the page sent beside it, once the node port is in place.
    reply?.postMessage({ type: 'pollen:node-port-taken' })
  })())
})

/** On a host that only looks like a content origin: a 400 page for every request, and no port from anyone. */
function refuseEverything (reason: string): () => boolean {
  self.addEventListener('fetch', event => { event.respondWith(pageResponse(400, 'Bad request', [reason])) })
  return () => false
}
