/** What every long job the UI shows has in common: bytes done of a total, speed, time left, cancel. */
import { describeError } from './errors.ts'

export type JobStatus = 'running' | 'done' | 'failed' | 'cancelled'

export abstract class ByteJob<Result> {
  status = $state<JobStatus>('running')
  bytes = $state(0)
  totalBytes = $state(0)
  /** Of `bytes`, those that did not have to move (found here already): progress, not speed. */
  skippedBytes = $state(0)
  error = $state<string>()
  result = $state<Result>()
  private readonly startedAt = performance.now()
  private elapsedMs = $state(0)
  protected readonly controller = new AbortController()

  /** Bytes per second moved since the start. */
  speed = $derived(this.elapsedMs > 0 ? (this.bytes - this.skippedBytes) / (this.elapsedMs / 1000) : 0)
  /** Seconds left at the current speed. */
  eta = $derived(this.speed > 0 && this.totalBytes > 0 ? (this.totalBytes - this.bytes) / this.speed : Number.NaN)
  fraction = $derived(this.totalBytes > 0 ? Math.min(1, this.bytes / this.totalBytes) : 0)

  cancel (): void {
    this.controller.abort()
  }

  /** Runs the job's work, recording its result or why it ended without one. */
  protected async track (work: (signal: AbortSignal) => Promise<Result>): Promise<Result | undefined> {
    try {
      this.result = await work(this.controller.signal)
      this.status = 'done'
      return this.result
    } catch (err) {
      this.status = (err as Error).name === 'AbortError' || this.controller.signal.aborted ? 'cancelled' : 'failed'
      this.error = describeError(err)
      return undefined
    } finally {
      this.tick()
    }
  }

  /** Call on every progress report: speed and time left follow the clock. */
  protected tick (): void {
    this.elapsedMs = performance.now() - this.startedAt
  }
}
