/**
 * The boot document: what a /ipfs/ or /ipns/ URL shows while the service
 * worker has no way to the node (a cold start, or a fresh profile with no
 * service worker yet). It registers the service worker, opens the node (on a
 * content origin through the app origin's bridge), hands the worker a port,
 * and loads the same URL again. A loop guard stops it from reloading forever.
 * Where the node ends with the last page holding it, a content origin's boot
 * document stays and holds it while it shows the content (holder.ts).
 */
import { classifyHost } from '../lib/content-host.js'
import { PROTOCOL_HANDLER_PATH, appOriginOf, parsePathRequest, protocolHandlerTarget, subdomainUrl } from '../lib/gateway-url.ts'
import { connectNode } from '../ui/node-client.ts'
import { BRIDGE_TIMEOUT_MS, BridgeFrame } from './bridge-frame.ts'
import { activeWorker, handOverPort } from './handover.ts'
import { holdContent, mayHold, showUnheld } from './holder.ts'
import { countVisit } from './visits.ts'
import './boot.css'
/** More boots than this for one URL within the window means the reload does not help. */
export const MAX_BOOTS = 2
export const BOOT_WINDOW_MS = 30_000
const GUARD_KEY = 'pollen:boots'

class BootLoopError extends Error {
  static name = 'BootLoopError'
  name = 'BootLoopError'
}

function say (text: string, state: 'starting' | 'failed' = 'starting'): void {
  document.getElementById('boot-status')!.textContent = text
  document.getElementById('boot')!.dataset.state = state
}

/** Counts this boot; throws when the same URL booted too often just now. */
function guardLoop (): void {
  const before = countVisit(GUARD_KEY, location.href, BOOT_WINDOW_MS)
  if (before >= MAX_BOOTS) {
    throw new BootLoopError(`Pollen started its node ${before} times for this page within ${BOOT_WINDOW_MS / 1000} s and the page still did not load.`)
  }
}

async function boot (): Promise<void> {
  if (!('serviceWorker' in navigator)) throw new Error('This browser has no service workers, which Pollen needs to show IPFS content.')
  const here = new URL(location.href)
  const host = classifyHost(here.hostname)
  // Never take a host that merely looks like a content origin for the app's: a node would start there.
  if (host.kind === 'invalid') throw new Error(host.reason)
  const appOrigin = appOriginOf(here)
  // On the app origin itself the node is one SharedWorker away.
  const node = appOrigin == null ? connectNode().client : undefined
  if (node != null && (parsePathRequest(here) != null || here.pathname === PROTOCOL_HANDLER_PATH)) {
    const { config } = await node.call('config.get', undefined, { timeout: BRIDGE_TIMEOUT_MS })
    const pathRequest = parsePathRequest(here)
    if (config.gatewayMode === 'subdomain' || pathRequest == null) {
      // The content lives at its own origin (where the next boot happens), or
      // a protocol link names it. Install the app's worker on the way, so that
      // the next such link needs no boot document.
      const target = pathRequest == null
        ? protocolHandlerTarget(here, config.gatewayMode)
        : subdomainUrl(here, pathRequest)
      await navigator.serviceWorker.register('/sw.js')
      location.replace(target)
      return
    }
    // Path mode: the app's own worker serves it, once it has a port.
  }
  // An installed worker is used as it is: register() would first check the
  // server for an update, which costs a cold start seconds.
  const registration = await navigator.serviceWorker.getRegistration('/') ?? await navigator.serviceWorker.register('/sw.js')
  const worker = await activeWorker(registration)
  say('Connecting this page to the node…')
  const bridge = node == null ? new BridgeFrame(appOrigin!) : undefined
  const port = bridge != null
    ? await bridge.port()
    : await node!.call('gateway.port', undefined, { timeout: BRIDGE_TIMEOUT_MS })
  if (bridge == null || bridge.nodeOutlivesPages) {
    guardLoop()
    await handOverPort(worker, port)
    say('Loading the content…')
    location.replace(location.href)
    return
  }
  await handOverPort(worker, port, true)
  if (mayHold(location.href)) {
    holdContent(location.href, bridge, registration)
  } else {
    showUnheld(worker, location.href)
  }
}

boot().catch((err: Error) => {
  const home = appOriginOf(new URL(location.href)) ?? location.origin
  say(`${err.message} Reload to try again, or open Pollen at ${home} first.`, 'failed')
})
