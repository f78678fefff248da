/**
 * The service worker's way to the node. A service worker cannot open the
 * SharedWorker (DESIGN.md §3), so a page hands it a port: an app tab, or on a
 * content origin the boot document through the bridge. The port is lost when
 * the browser stops an idle service worker, and it goes silent when the node
 * itself is gone; both end here as "no port", and a new one is asked for.
 */
import { RpcClient } from '../lib/rpc.ts'
import type { GatewayMode } from '../lib/config.ts'
import type { ContentEvent, ContentMethods, GatewayRequest, GatewayResponse, PortNeededMessage } from '../lib/protocol.ts'

declare const self: ServiceWorkerGlobalScope

/** A live node answers at once that it took the request; past this its port is dead. */
export const DEFAULT_ACCEPT_TIMEOUT_MS = 3_000
/** The node says it is alive every second (content-ports.ts): a port quiet for longer than this is dead. */
export const QUIET_AFTER_MS = 1_500
/** The least a navigation waits for the node to take it. */
export const MIN_ACCEPT_TIMEOUT_MS = 300

/** The node behind the port did not answer: drop the port and get another. */
export class NodeUnreachableError extends Error {
  static name = 'NodeUnreachableError'
  name = 'NodeUnreachableError'
}

export class NodePort {
  private client?: RpcClient<ContentMethods, ContentEvent>
  private waiters: Array<() => void> = []
  private lastHeard = 0
  /** The gateway mode the node last told (with its heartbeat). */
  mode?: GatewayMode
  /** Told when the node's gateway mode is first heard or changes. */
  onMode: (mode: GatewayMode) => void = () => {}
  /** The node ends with the last page holding it (NodePortMessage): content pages must be shown by a boot document that holds it. */
  pagesHoldNode = false

  constructor (private readonly acceptTimeoutMs = DEFAULT_ACCEPT_TIMEOUT_MS) {}

  set (port: MessagePort, pagesHoldNode = false): void {
    this.pagesHoldNode = pagesHoldNode
    // The previous client is left to finish the requests it carries (closing
    // it would fail them); the node closes its end when it drops old ports.
    this.lastHeard = Date.now()
    this.client = new RpcClient<ContentMethods, ContentEvent>(port, event => {
      this.lastHeard = Date.now()
      if (event.mode !== this.mode) {
        this.mode = event.mode
        this.onMode(event.mode)
      }
    }, { watchPeer: false })
    for (const wake of this.waiters.splice(0)) wake()
  }

  /** Waits up to `ms` for a port, asking every open window of this origin for one. */
  async waitFor (ms: number): Promise<boolean> {
    if (this.client != null) return true
    if (ms <= 0) return false
    const asked: PortNeededMessage = { type: 'pollen:port-needed' }
    for (const client of await self.clients.matchAll({ type: 'window' })) client.postMessage(asked)
    return await new Promise<boolean>(resolve => {
      const wake = (): void => { clearTimeout(timer); resolve(true) }
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter(waiter => waiter !== wake)
        resolve(this.client != null)
      }, ms)
      this.waiters.push(wake)
    })
  }

  /**
   * @param isNavigation for a navigation: give up once the node's heartbeat is
   * overdue and let the boot document start a node, rather than wait the
   * full accept timeout on a node that is gone
   */
  async fetch (request: GatewayRequest, signal?: AbortSignal, isNavigation = false): Promise<GatewayResponse> {
    const client = this.client
    // A navigation waits only until the node's next heartbeat is overdue.
    const acceptTimeoutMs = isNavigation
      ? Math.min(this.acceptTimeoutMs, Math.max(MIN_ACCEPT_TIMEOUT_MS, this.lastHeard + QUIET_AFTER_MS - Date.now()))
      : this.acceptTimeoutMs
    if (client == null) throw new NodeUnreachableError('No page has connected this service worker to the node')
    let accepted = false
    let stopWaiting: () => void = () => {}
    const noAnswer = new Promise<never>((_resolve, reject) => {
      const timer = setTimeout(() => { if (!accepted) reject(new NodeUnreachableError('The node did not answer')) }, acceptTimeoutMs)
      stopWaiting = () => { clearTimeout(timer) }
    })
    const call = client.call('gateway.fetch', request, {
      signal,
      onProgress: event => { if (event.type === 'gateway:accepted') accepted = true }
    })
    try {
      return await Promise.race([call, noAnswer])
    } catch (err) {
      if ((err as Error).name === 'NodeUnreachableError' && this.client === client) {
        this.client = undefined
        client.close()
      }
      throw err
    } finally {
      stopWaiting()
    }
  }
}
