/**
 * Asks again when an answer stalls. Helia's bitswap marks a block as sent
 * once it handed the message over; if that message is lost (a stream that
 * timed out under load), the asker's want stays open forever and is never
 * answered. Cancelling the want and wanting again makes the peer send anew,
 * provided the cancel reaches it on its own first: a cancel and a new want
 * sent together merge into one wantlist entry that the peer ignores.
 */
import { sleep } from './sleep.ts'

export interface RetryStalledOptions {
  /** How long one attempt may take before it is abandoned and started again. */
  stallMs: number
  /** Ends every attempt, and the retrying. */
  signal: AbortSignal
  /** Wait between an abandoned attempt and the next. */
  pauseMs?: number
}

export const DEFAULT_RETRY_PAUSE_MS = 250

export async function retryStalled<T> (attempt: (signal: AbortSignal) => Promise<T>, options: RetryStalledOptions): Promise<T> {
  for (;;) {
    const stall = new AbortController()
    const timer = setTimeout(() => { stall.abort(new Error('stalled')) }, options.stallMs)
    try {
      return await attempt(AbortSignal.any([options.signal, stall.signal]))
    } catch (err) {
      if (options.signal.aborted || !stall.signal.aborted) throw err
    } finally {
      clearTimeout(timer)
    }
    await sleep(options.pauseMs ?? DEFAULT_RETRY_PAUSE_MS, options.signal)
  }
}
