/**
 * The node's ports to content origins' service workers. Those live in other
 * origins, so no Web Lock tells when one is gone: the node says it is alive
 * on each port every second instead (a service worker whose port went quiet
 * knows the node is gone and boots a new one at once rather than waiting a
 * request out), and keeps only the newest ports, closing older ones; a
 * service worker still using a closed port asks its pages for a new one.
 */
import { serveRpc, transfer, type Handlers, type RpcServerConnection, type Transfer } from '../lib/rpc.ts'
import type { GatewayMode } from '../lib/config.ts'
import type { ContentEvent, ContentMethods } from '../lib/protocol.ts'

export const DEFAULT_MAX_CONTENT_PORTS = 64
export const HEARTBEAT_INTERVAL_MS = 1_000

export class ContentPorts {
  private readonly open: Array<RpcServerConnection<ContentEvent>> = []
  private timer?: ReturnType<typeof setInterval>

  /** @param mode the gateway mode now, told with every heartbeat (the app's worker routes by it) */
  constructor (
    private readonly handlers: Handlers<ContentMethods>,
    private readonly serverLock: string,
    private readonly mode: () => GatewayMode,
    private readonly max = DEFAULT_MAX_CONTENT_PORTS
  ) {}

  /** A new port serving ContentMethods only, to be transferred to whoever asked. */
  create (): Transfer<MessagePort> {
    const channel = new MessageChannel()
    const connection = serveRpc<ContentMethods, ContentEvent>(channel.port1, this.handlers, this.serverLock, { watchPeer: false })
    this.open.push(connection)
    connection.emit({ type: 'gateway:alive', mode: this.mode() })
    while (this.open.length > this.max) this.open.shift()?.dispose()
    this.timer ??= setInterval(() => { this.announce() }, HEARTBEAT_INTERVAL_MS)
    return transfer(channel.port2, [channel.port2])
  }

  /** Tells every port now that the node is alive, and its gateway mode (at once after a change). */
  announce (): void {
    const event: ContentEvent = { type: 'gateway:alive', mode: this.mode() }
    for (const connection of this.open) connection.emit(event)
  }
}
