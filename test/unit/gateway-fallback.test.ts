import { describe, expect, it } from 'vitest'
import { sleep } from '../../src/lib/sleep.ts'

describe('sleep', () => {
  it('resolves after the time given', async () => {
    await expect(sleep(5)).resolves.toBeUndefined()
  })

  it('rejects with the signal\'s reason when aborted before or during the wait', async () => {
    const reason = new Error('stop')
    await expect(sleep(10_000, AbortSignal.abort(reason))).rejects.toBe(reason)
    const controller = new AbortController()
    const waiting = sleep(10_000, controller.signal)
    controller.abort(reason)
    await expect(waiting).rejects.toBe(reason)
  })
})
