/**
 * The bridge: a hidden page of the app origin that a content origin
 * (<root>.ipfs.<app host>) embeds to reach the node. It hands its parent a
 * port that serves ContentMethods only, so content can read content and do
 * nothing else; every other embedder is refused (and the server's
 * frame-ancestors already keeps other sites from framing it). It gives a new
 * port whenever its embedder asks (a service worker restarted without one),
 * and while it is open it holds the node in browsers where nothing else
 * would (node-client.ts).
 */
import { classifyHost } from '../lib/content-host.js'
import { appOriginOf, parseSubdomainRequest } from '../lib/gateway-url.ts'
import { isMessage, type BridgePortMessage, type BridgePortNeededMessage } from '../lib/protocol.ts'
import { connectNode } from '../ui/node-client.ts'

function embedder (): string | undefined {
  // The bridge serves from the app origin only (never from a content origin's look-alike).
  if (classifyHost(location.hostname).kind !== 'app') return undefined
  if (window.parent === window) return undefined
  const origin = location.ancestorOrigins?.[0]
  if (origin == null) return undefined
  return appOriginOf(new URL(origin)) === location.origin ? origin : undefined
}

function say (text: string): void {
  document.getElementById('bridge-status')!.textContent = text
}

async function main (): Promise<void> {
  const parentOrigin = embedder()
  if (parentOrigin == null) {
    say('Refused: only content origins of this Pollen may use its bridge.')
    return
  }
  // The port reads the embedder's own root and nothing else: a page cannot
  // probe what else this browser keeps.
  const scope = parseSubdomainRequest(new URL(parentOrigin))!
  const { client, outlivesPages } = connectNode()
  const sendPort = async (): Promise<void> => {
    const port = await client.call('gateway.port', { scope: { namespace: scope.namespace, root: scope.root } })
    const message: BridgePortMessage = { type: 'pollen:bridge-port', nodeOutlivesPages: outlivesPages }
    window.parent.postMessage(message, parentOrigin, [port])
  }
  window.addEventListener('message', event => {
    if (event.origin !== parentOrigin || event.source !== window.parent) return
    if (!isMessage<BridgePortNeededMessage>(event.data, 'pollen:bridge-port-needed')) return
    sendPort().catch(err => { say(`The bridge failed: ${(err as Error).message}`) })
  })
  await sendPort()
  say('Connected.')
}

main().catch(err => { say(`The bridge failed: ${(err as Error).message}`) })
