/**
 * The node's ports to service workers and content origins. Those live in
 * other origins, so no Web Lock tells when one is gone: the node says it is
 * alive on each port every second instead (a service worker whose port went
 * quiet knows the node is gone and boots a new one at once rather than wait a
 * request out), and keeps only the newest few ports per root, closing older
 * ones. A port given to a content origin reads that origin's root only.
 */
import { canonicalRoot } from '../lib/gateway-url.ts'
import { serveRpc, transfer, type Handlers, type RpcServerConnection, type Transfer } from '../lib/rpc.ts'
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
   * @param refuse answers a request for another root than the port's scope
   * @param mode the gateway mode now, told with every heartbeat (the app's worker routes by it)
   */
  constructor (
    private readonly handlers: Handlers<ContentMethods>,
    private readonly refuse: (reason: string) => Awaited<ReturnType<Handlers<ContentMethods>['gateway.fetch']>>,
    private readonly serverLock: string,
    private readonly mode: () => GatewayMode,
    private readonly perRoot = DEFAULT_PORTS_PER_ROOT,
    private readonly maxRoots = DEFAULT_MAX_ROOTS
  ) {}

  /** A new port serving ContentMethods only (for `scope`'s root only, when given), to be transferred. */
  create (scope?: ContentScope): Transfer<MessagePort> {
    const key = scope == null ? APP : canonicalRoot(scope.namespace, scope.root)
    const handlers: Handlers<ContentMethods> = scope == null
      ? this.handlers
      : {
          'gateway.fetch': async (request, ctx) => canonicalRoot(request.namespace, request.root) === key
            ? await this.handlers['gateway.fetch'](request, ctx)
            : this.refuse(`This origin may read ${key} only.`)
        }
    const channel = new MessageChannel()
    const connection = serveRpc<ContentMethods, ContentEvent>(channel.port1, handlers, this.serverLock, { watchPeer: false })
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
