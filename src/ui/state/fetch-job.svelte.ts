/** Fetching a shared file or folder into this browser: bytes, speed, ETA and where the blocks came from. */
import { describeError } from './errors.ts'
import type { BlockSource, FetchSummary, SharerDial } from '../../lib/protocol.ts'
import type { ShareLink } from '../../lib/share-link.ts'
import type { NodeClient } from '../node-client.ts'

export class FetchJob {
  status = $state<'running' | 'done' | 'failed' | 'cancelled'>('running')
  bytes = $state(0)
  totalBytes = $state(0)
  blocks = $state(0)
  sources = $state<BlockSource[]>([])
  sharer = $state<SharerDial>()
  error = $state<string>()
  result = $state<FetchSummary>()
  private readonly startedAt = performance.now()
  private elapsedMs = $state(0)
  private readonly controller = new AbortController()

  speed = $derived(this.elapsedMs > 0 ? this.bytes / (this.elapsedMs / 1000) : 0)
  eta = $derived(this.speed > 0 && this.totalBytes > 0 ? (this.totalBytes - this.bytes) / this.speed : Number.NaN)
  fraction = $derived(this.totalBytes > 0 ? Math.min(1, this.bytes / this.totalBytes) : 0)

  constructor (readonly link: ShareLink) {}

  get signal (): AbortSignal {
    return this.controller.signal
  }

  async run (client: NodeClient): Promise<FetchSummary | undefined> {
    try {
      this.result = await client.call('content.fetch', { path: `/ipfs/${this.link.cid}`, providers: this.link.addrs }, {
        signal: this.controller.signal,
        onProgress: event => {
          if (event.type === 'fetch:sharer') {
            this.sharer = event.sharer
          } else {
            this.bytes = event.bytes
            this.totalBytes = event.totalBytes
            this.blocks = event.blocks
            this.sources = event.sources
          }
          this.elapsedMs = performance.now() - this.startedAt
        }
      })
      this.bytes = this.result.bytes
      this.totalBytes = this.result.totalBytes
      this.blocks = this.result.blocks
      this.sources = this.result.sources
      this.sharer = this.result.sharer ?? this.sharer
      this.status = 'done'
      return this.result
    } catch (err) {
      this.status = (err as Error).name === 'AbortError' || this.controller.signal.aborted ? 'cancelled' : 'failed'
      this.error = describeError(err)
      return undefined
    } finally {
      this.elapsedMs = performance.now() - this.startedAt
    }
  }

  cancel (): void {
    this.controller.abort()
  }
}
