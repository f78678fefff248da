import { describe, expect, it } from 'vitest'
import { retryStalled } from '../../src/lib/retry-stalled.ts'

/** Never settles unless its signal aborts. */
async function stalls (signal: AbortSignal): Promise<never> {
  return await new Promise((_resolve, reject) => { signal.addEventListener('abort', () => { reject(signal.reason) }) })
}

describe('retryStalled', () => {
  it('abandons a stalled attempt and returns what a later one gets', async () => {
    let attempts = 0
    const result = await retryStalled(async signal => {
      attempts++
      if (attempts < 3) return await stalls(signal)
      return 'block'
    }, { stallMs: 10, pauseMs: 1, signal: new AbortController().signal })
    expect(result).toBe('block')
    expect(attempts).toBe(3)
  })

  it('passes on an attempt\'s own error at once, without retrying', async () => {
    let attempts = 0
    await expect(retryStalled(async () => { attempts++; throw new Error('not found') }, { stallMs: 10, pauseMs: 1, signal: new AbortController().signal })).rejects.toThrow('not found')
    expect(attempts).toBe(1)
  })

  it('stops retrying when the outer signal aborts', async () => {
    const outer = AbortSignal.timeout(50)
    let attempts = 0
    await expect(retryStalled(async signal => { attempts++; return await stalls(signal) }, { stallMs: 10, pauseMs: 1, signal: outer })).rejects.toBeDefined()
    expect(outer.aborted).toBe(true)
    expect(attempts).toBeGreaterThan(1)
  })
})
