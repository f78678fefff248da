/**
 * The page's one connection to the node in the SharedWorker. Every call of
 * the UI goes through `node.call(...)`; node events fan out to subscribers.
 */
import { RpcClient } from '../lib/rpc.ts'
import type { NodeEvent, NodeMethods } from '../lib/protocol.ts'

declare global {
  // Chromium 139+ (WHATWG HTML): not in TypeScript's DOM types yet.
  interface WorkerOptions { extendedLifetime?: boolean }
}

export type NodeClient = RpcClient<NodeMethods, NodeEvent>

type Listener = (event: NodeEvent) => void

export interface NodeConnection {
  client: NodeClient
  subscribe: (listener: Listener) => () => void
  /**
   * Whether this browser keeps the node running after the last page that
   * holds it closes (it honours `extendedLifetime`; Firefox and WebKit do not)
   */
  outlivesPages: boolean
}

export function connectNode (): NodeConnection {
  const listeners = new Set<Listener>()
  // extendedLifetime: the node outlives the page that started it for a while,
  // so a content origin's service worker can still reach it after the boot
  // document (and its bridge) went away; without it Chromium stops the
  // worker the moment its last page closes, whatever ports others hold.
  // A browser that knows the option reads it from the options object (WebIDL reads only the members
  // it knows), so the getter tells whether this one does.
  let outlivesPages = false
  const worker = new SharedWorker(new URL('../node/worker.ts', import.meta.url), {
    type: 'module',
    name: 'pollen-node',
    get extendedLifetime () {
      outlivesPages = true
      return true
    }
  })
  const client: NodeClient = new RpcClient(worker.port, event => {
    for (const listener of listeners) listener(event)
  })
  worker.addEventListener('error', () => { client.close() })
  return {
    client,
    outlivesPages,
    subscribe (listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    }
  }
}
