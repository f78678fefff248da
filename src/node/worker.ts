/// <reference lib="webworker" />
/**
 * The SharedWorker entry: one node for every tab, window and content origin
 * of this app. An exclusive Web Lock makes sure that even two workers (an old
 * and a new build open at once) never run two nodes over the same stores.
 */
// First: the WebRTC globals must exist before @libp2p/webrtc is evaluated.
import './webrtc-hosting.ts'
import { holdServerLock, serveRpc, type Handlers, type RpcServerConnection } from '../lib/rpc.ts'
import { PollenNode } from './service.ts'
import type { NodeEvent, NodeMethods } from '../lib/protocol.ts'

declare const self: SharedWorkerGlobalScope

const NODE_LOCK = 'pollen:node'
const clients = new Set<RpcServerConnection<NodeEvent>>()

function broadcast (event: NodeEvent): void {
  for (const client of clients) client.emit(event)
}

const appBase = new URL(import.meta.env.BASE_URL, self.location.origin)

const serverLock = holdServerLock()

const node: Promise<PollenNode> = new Promise((resolve, reject) => {
  void navigator.locks.request(NODE_LOCK, async () => {
    try {
      resolve(await PollenNode.open(appBase, broadcast, await serverLock))
    } catch (err) {
      reject(err)
      return
    }
    await new Promise(() => {}) // held for the worker's lifetime
  })
})

const nodeHandlers = node.then(n => n.handlers())

/** Every method waits for the node to be open, then runs on it. */
const handlers = new Proxy({} as Handlers<NodeMethods>, {
  get: (_, method: string) => async (args: unknown, ctx: any) => {
    const handler = (await nodeHandlers)[method]
    if (handler == null) throw new TypeError(`Unknown method ${method}`)
    return await handler(args, ctx)
  }
})

self.onconnect = (event: MessageEvent) => {
  const port = event.ports[0]
  void serverLock.then(lock => {
    const client = serveRpc<NodeMethods, NodeEvent>(port, handlers, lock)
    clients.add(client)
    void client.closed.then(() => clients.delete(client))
  })
}
