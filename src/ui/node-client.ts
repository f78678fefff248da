/**
 * The page's one connection to the node in the SharedWorker. Every call of
 * the UI goes through `node.call(...)`; node events fan out to subscribers.
 */
import { RpcClient } from '../lib/rpc.ts'
import type { NodeEvent, NodeMethods } from '../lib/protocol.ts'

export type NodeClient = RpcClient<NodeMethods, NodeEvent>

type Listener = (event: NodeEvent) => void

export interface NodeConnection {
  client: NodeClient
  subscribe: (listener: Listener) => () => void
}

export function connectNode (): NodeConnection {
  const listeners = new Set<Listener>()
  const worker = new SharedWorker(new URL('../node/worker.ts', import.meta.url), { type: 'module', name: 'pollen-node' })
  const client: NodeClient = new RpcClient(worker.port, event => {
    for (const listener of listeners) listener(event)
  })
  worker.addEventListener('error', () => { client.close() })
  return {
    client,
    subscribe (listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    }
  }
}
