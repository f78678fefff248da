/**
 * The node's ports to content origins' service workers. Those live in other
 * origins, so no Web Lock tells when one is gone: the node says it is alive
 * on each port every second instead (a service worker whose port went quiet
 * knows the node is gone and boots a new one at once rather than waiting a
 * request out), and keeps only the newest ports, closing older ones; a
 * service worker still using a closed port asks its pages for a new one.
 */
import { serveRpc, transfer, type Handlers, type RpcServerConnection, type Transfer } from '../lib/rpc.ts'
import type { ContentEvent, ContentMethods } from '../lib/protocol.ts'

export const DEFAULT_MAX_CONTENT_PORTS = 64
export const HEARTBEAT_INTERVAL_MS = 1_000

export class ContentPorts {
  private readonly open: Array<RpcServerConnection<ContentEvent>> = []
  private timer?: ReturnType<typeof setInterval>

  constructor (
    private readonly handlers: Handlers<ContentMethods>,
    private readonly serverLock: string,
    private readonly max = DEFAULT_MAX_CONTENT_PORTS
  ) {}

  /** A new port serving ContentMethods only, to be transferred to whoever asked. */
  create (): Transfer<MessagePort> {
    const channel = new MessageChannel()
    this.open.push(serveRpc<ContentMethods, ContentEvent>(channel.port1, this.handlers, this.serverLock, { watchPeer: false }))
    while (this.open.length > this.max) this.open.shift()?.dispose()
    this.timer ??= setInterval(() => {
      for (const connection of this.open) connection.emit({ type: 'gateway:alive' })
    }, HEARTBEAT_INTERVAL_MS)
    return transfer(channel.port2, [channel.port2])
  }
}
