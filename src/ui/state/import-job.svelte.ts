/** One running or finished import, with the numbers its progress bar shows. */
import { describeError } from './errors.ts'
import type { AddArgs, FileEntry, ImportProgress } from '../../lib/protocol.ts'
import type { NodeClient } from '../node-client.ts'

export type JobStatus = 'running' | 'done' | 'failed' | 'cancelled'

export class ImportJob {
  readonly name: string
  readonly kind: AddArgs['kind']
  status = $state<JobStatus>('running')
  bytes = $state(0)
  totalBytes = $state(0)
  files = $state(0)
  totalFiles = $state(0)
  error = $state<string>()
  result = $state<FileEntry>()
  private readonly startedAt = performance.now()
  private elapsedMs = $state(0)
  private readonly controller = new AbortController()

  /** Bytes per second since the start. */
  speed = $derived(this.elapsedMs > 0 ? this.bytes / (this.elapsedMs / 1000) : 0)
  /** Seconds left at the current speed. */
  eta = $derived(this.speed > 0 ? (this.totalBytes - this.bytes) / this.speed : Number.NaN)
  fraction = $derived(this.totalBytes > 0 ? this.bytes / this.totalBytes : 0)

  constructor (args: AddArgs) {
    this.name = args.name
    this.kind = args.kind
    this.totalFiles = args.items.length
    this.totalBytes = args.items.reduce((sum, item) => sum + item.file.size, 0)
  }

  async run (client: NodeClient, args: AddArgs): Promise<void> {
    try {
      this.result = await client.call('files.add', args, {
        signal: this.controller.signal,
        onProgress: event => { this.update(event) }
      })
      this.bytes = this.totalBytes
      this.files = this.totalFiles
      this.status = 'done'
    } catch (err) {
      this.status = (err as Error).name === 'AbortError' ? 'cancelled' : 'failed'
      this.error = describeError(err)
    } finally {
      this.elapsedMs = performance.now() - this.startedAt
    }
  }

  cancel (): void {
    this.controller.abort()
  }

  private update (event: ImportProgress): void {
    if (event.type === 'import:start') {
      this.totalBytes = event.totalBytes
      this.totalFiles = event.totalFiles
    } else {
      this.bytes = event.bytes
      this.files = event.files
    }
    this.elapsedMs = performance.now() - this.startedAt
  }
}
