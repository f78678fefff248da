/**
 * Keeps this node connected to its bootstrap peers: redials them whenever
 * fewer than the minimum are connected, with a backoff that is capped, so a
 * restarted bootstrap node is found again within seconds, and reports each
 * peer's state for the UI.
 *
 * Written by hand because libp2p's reconnect queue gives up after a fixed
 * number of retries and its delays grow without bound.
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { BootstrapState } from '../lib/protocol.ts'
import type { Libp2p, PeerId } from '@libp2p/interface'

export const DEFAULT_MIN_CONNECTIONS = 2
export const DEFAULT_RETRY_MS = 500
export const DEFAULT_MAX_RETRY_MS = 5_000
const DIAL_TIMEOUT_MS = 10_000

interface Target {
  peer: PeerId
  addr: Multiaddr
  state: BootstrapState
  failures: number
  dialing: boolean
  timer?: ReturnType<typeof setTimeout>
}

export interface PeerKeeperInit {
  bootstrap: string[]
  minConnections?: number
  retryMs?: number
  maxRetryMs?: number
  onChange: () => void
}

export class PeerKeeper {
  private readonly targets: Target[]
  private readonly minConnections: number
  private readonly retryMs: number
  private readonly maxRetryMs: number
  private stopped = false
  private readonly onConnectionChange = (): void => { this.check() }

  constructor (private readonly libp2p: Libp2p, private readonly init: PeerKeeperInit) {
    this.targets = init.bootstrap.flatMap(text => {
      const addr = multiaddr(text)
      const id = addr.getComponents().find(c => c.name === 'p2p')?.value
      if (id == null) return []
      return [{ peer: peerIdFromString(id), addr, state: { addr: text, status: 'connecting' as const }, failures: 0, dialing: false }]
    })
    this.minConnections = Math.min(init.minConnections ?? DEFAULT_MIN_CONNECTIONS, this.targets.length)
    this.retryMs = init.retryMs ?? DEFAULT_RETRY_MS
    this.maxRetryMs = init.maxRetryMs ?? DEFAULT_MAX_RETRY_MS
  }

  start (): void {
    this.libp2p.addEventListener('connection:open', this.onConnectionChange)
    this.libp2p.addEventListener('connection:close', this.onConnectionChange)
    this.check()
  }

  stop (): void {
    this.stopped = true
    this.libp2p.removeEventListener('connection:open', this.onConnectionChange)
    this.libp2p.removeEventListener('connection:close', this.onConnectionChange)
    for (const target of this.targets) clearTimeout(target.timer)
  }

  states (): BootstrapState[] {
    return this.targets.map(t => t.state)
  }

  private connected (target: Target): boolean {
    return this.libp2p.getConnections(target.peer).length > 0
  }

  private check (): void {
    if (this.stopped) return
    let connected = 0
    for (const target of this.targets) {
      if (this.connected(target)) {
        connected++
        clearTimeout(target.timer)
        target.timer = undefined
        target.failures = 0
        this.set(target, { addr: target.state.addr, status: 'connected' })
      } else if (target.state.status === 'connected') {
        this.set(target, { addr: target.state.addr, status: 'disconnected' })
      }
    }
    if (connected >= this.minConnections) return
    for (const target of this.targets) {
      if (!this.connected(target) && !target.dialing && target.timer == null) void this.dial(target)
    }
  }

  private async dial (target: Target): Promise<void> {
    if (this.stopped) return
    this.set(target, { addr: target.state.addr, status: 'connecting' })
    target.dialing = true
    try {
      await this.libp2p.dial(target.addr, { signal: AbortSignal.timeout(DIAL_TIMEOUT_MS) })
      target.failures = 0
    } catch (err) {
      if (this.stopped) return
      target.failures++
      const delay = Math.min(this.retryMs * 2 ** (target.failures - 1), this.maxRetryMs)
      this.set(target, { addr: target.state.addr, status: 'retrying', retryAt: Date.now() + delay, error: (err as Error).message })
      target.timer = setTimeout(() => {
        target.timer = undefined
        if (!this.connected(target)) void this.dial(target)
      }, delay)
    } finally {
      target.dialing = false
    }
    this.check()
  }

  private set (target: Target, state: BootstrapState): void {
    const before = target.state
    target.state = state
    if (before.status !== state.status || before.retryAt !== state.retryAt) this.init.onChange()
  }
}
