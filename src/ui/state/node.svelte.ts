/** The node's identity and connections, kept fresh from node events. */
import { describeError } from './errors.ts'
import type { ConnectionInfo, NodeIdentity } from '../../lib/protocol.ts'
import type { NodeConnection } from '../node-client.ts'

/** Latency changes without events; refresh the peers this often while shown. */
export const PEERS_REFRESH_MS = 2000

export class NodeState {
  identity = $state<NodeIdentity>()
  connections = $state<ConnectionInfo[]>([])
  error = $state<string>()
  /** True once the node stopped answering; the page must be reloaded. */
  gone = $state(false)
  /** No connection at all while bootstrap peers are being redialled. */
  offline = $derived(this.connections.length === 0 && (this.identity?.bootstrap.some(b => b.status === 'retrying') ?? false))

  /** The last ping of each peer, by peer ID. */
  pings = $state<Record<string, { pending: boolean, rttMs?: number, error?: string }>>({})
  connecting = $state(false)
  connectError = $state<string>()

  constructor (private readonly node: NodeConnection) {
    node.subscribe(event => {
      if (event.type === 'status' || event.type === 'connections:changed' || event.type === 'config:changed') void this.refresh()
    })
    void this.refresh()
  }

  async refresh (): Promise<void> {
    try {
      const [identity, connections] = await Promise.all([
        this.node.client.call('node.identity', undefined),
        this.node.client.call('node.connections', undefined)
      ])
      this.identity = identity
      this.connections = connections
      this.error = undefined
    } catch (err) {
      this.error = describeError(err)
      this.gone = (err as Error).name === 'NodeGoneError'
    }
  }

  /** Dials an address typed by hand; true when connected. */
  async connect (addr: string): Promise<boolean> {
    this.connecting = true
    this.connectError = undefined
    try {
      await this.node.client.call('peers.connect', { addr })
      await this.refresh()
      return true
    } catch (err) {
      this.connectError = describeError(err)
      return false
    } finally {
      this.connecting = false
    }
  }

  async ping (peer: string): Promise<void> {
    this.pings[peer] = { pending: true }
    try {
      const { rttMs } = await this.node.client.call('peers.ping', { peer })
      this.pings[peer] = { pending: false, rttMs }
    } catch (err) {
      this.pings[peer] = { pending: false, error: describeError(err) }
    }
  }
}
