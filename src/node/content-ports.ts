/**
 * The node's ports to service workers and content origins. Those live in
 * other origins, so no Web Lock tells when one is gone: the node says it is
 * alive on each port every second instead (a service worker whose port went
 * quiet knows the node is gone and boots a new one at once rather than wait a
 * request out), and keeps only the newest few ports per root, closing older
 * ones. Every call is checked first (content-guard.ts): a port given to a
 * content origin reads that origin's root only, and a port's calls in flight
 * are capped.
 */
import { canonicalRoot } from '../lib/gateway-url.ts'
import { serveRpc, transfer, type Handlers, type RpcServerConnection, type Transfer } from '../lib/rpc.ts'
import { DEFAULT_MAX_CALLS_IN_FLIGHT, checkContentCall, type Refusal } from './content-guard.ts'
import type { GatewayMode } from '../lib/config.ts'
import type { ContentEvent, ContentMethods, ContentScope } from '../lib/protocol.ts'

/** Ports kept per root (and for the app origin's worker): one per open worker, and a spare. */
export const DEFAULT_PORTS_PER_ROOT = 4
/** Roots with ports kept; the one whose port is oldest goes first (its worker asks again if it must). */
export const DEFAULT_MAX_ROOTS = 64
export const HEARTBEAT_INTERVAL_MS = 1_000
const APP = 'app'

export class ContentPorts {
  private readonly open = new Map<string, Array<RpcServerConnection<ContentEvent>>>()
  private timer?: ReturnType<typeof setInterval>

  /**
   * @param refuse answers a call the guard refused
   * @param mode the gateway mode now, told with every heartbeat (the app's worker routes by it)
   */
  constructor (
    private readonly handlers: Handlers<ContentMethods>,
    private readonly refuse: (refusal: Refusal) => Awaited<ReturnType<Handlers<ContentMethods>['gateway.fetch']>>,
    private readonly serverLock: string,
    private readonly mode: () => GatewayMode,
    private readonly perRoot = DEFAULT_PORTS_PER_ROOT,
    private readonly maxRoots = DEFAULT_MAX_ROOTS,
    private readonly maxCallsInFlight = DEFAULT_MAX_CALLS_IN_FLIGHT
  ) {}

  /** A new port serving ContentMethods only (for `scope`'s root only, when given), to be transferred. */
  create (scope?: ContentScope): Transfer<MessagePort> {
    const key = scope == null ? APP : canonicalRoot(scope.namespace, scope.root)
    let inFlight = 0
    const handlers: Handlers<ContentMethods> = {
      'gateway.fetch': async (input, ctx) => {
        if (inFlight >= this.maxCallsInFlight) return this.refuse({ status: 429, reason: `This page has ${inFlight} requests in flight already; wait for some to finish.` })
        const checked = checkContentCall(input, scope)
        if (!checked.ok) return this.refuse(checked.refusal)
        inFlight++
        try {
          return await this.handlers['gateway.fetch'](checked.request, ctx)
        } finally {
          inFlight--
        }
      }
    }
    const channel = new MessageChannel()
    // Error stacks stay in the node: a content page can read what its port answers.
    const connection = serveRpc<ContentMethods, ContentEvent>(channel.port1, handlers, this.serverLock, { watchPeer: false, revealStacks: false })
    const ports = this.open.get(key) ?? []
    ports.push(connection)
    while (ports.length > this.perRoot) ports.shift()?.dispose()
    // Newest last, so that the first key is the root served longest ago.
    this.open.delete(key)
    this.open.set(key, ports)
    for (const [oldest, stale] of this.open) {
      if (this.open.size <= this.maxRoots) break
      for (const old of stale) old.dispose()
      this.open.delete(oldest)
    }
    connection.emit({ type: 'gateway:alive', mode: this.mode() })
    this.timer ??= setInterval(() => { this.announce() }, HEARTBEAT_INTERVAL_MS)
    return transfer(channel.port2, [channel.port2])
  }

  /** Tells every port now that the node is alive, and its gateway mode (at once after a change). */
  announce (): void {
    const event: ContentEvent = { type: 'gateway:alive', mode: this.mode() }
    for (const ports of this.open.values()) for (const connection of ports) connection.emit(event)
  }
}
