import { describe, expect, it } from 'vitest'
import { walkInParallel } from '../../src/lib/parallel-walk.ts'

// a → b, c; b → d; c → d, e; e → a (a cycle back to the start)
const GRAPH: Record<string, string[]> = { a: ['b', 'c'], b: ['d'], c: ['d', 'e'], d: [], e: ['a'] }

/** Walks a root with 40 children, each visit taking a moment; returns the most visits that were in flight at once. */
async function mostInFlight (concurrency: number | ((visitsEnded: number) => number)): Promise<number> {
  const wide = Array.from({ length: 40 }, (_, i) => `n${i}`)
  let ended = 0
  let inFlight = 0
  let most = 0
  await walkInParallel(['root'], async item => {
    inFlight++
    most = Math.max(most, inFlight)
    await new Promise(resolve => setTimeout(resolve, 2))
    inFlight--
    ended++
    return item === 'root' ? wide : []
  }, { concurrency: typeof concurrency === 'number' ? concurrency : () => concurrency(ended), key: item => item })
  return most
}

describe('walkInParallel', () => {
  it('visits every reachable item once, however many paths lead to it', async () => {
    const visited: string[] = []
    await walkInParallel(['a'], async item => { visited.push(item); return GRAPH[item] }, { concurrency: 3, key: item => item })
    expect(visited.sort()).toEqual(['a', 'b', 'c', 'd', 'e'])
  })

  it('never has more visits in flight than allowed, and uses that many', async () => {
    expect(await mostInFlight(8)).toBe(8)
  })

  it('asks a concurrency function again as visits end, so the window can grow', async () => {
    expect(await mostInFlight(visits => visits < 5 ? 2 : 6)).toBe(6)
  })

  it('fails with the first error and starts no new visits after it', async () => {
    const visited: string[] = []
    const walk = walkInParallel(['a'], async item => {
      visited.push(item)
      if (item === 'c') throw new Error('block c is missing')
      return GRAPH[item]
    }, { concurrency: 1, key: item => item })
    await expect(walk).rejects.toThrow('block c is missing')
    expect(visited).toEqual(['a', 'b', 'c'])
  })

  it('stops when its signal aborts', async () => {
    const controller = new AbortController()
    const walk = walkInParallel(['a'], async item => { controller.abort(new Error('cancelled')); return GRAPH[item] }, { concurrency: 2, key: item => item, signal: controller.signal })
    await expect(walk).rejects.toThrow('cancelled')
  })
})
