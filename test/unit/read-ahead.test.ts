/**
 * A CAR response reads the next block while it sends this one
 * (src/node/car-walk.ts, readAhead), and never more than that ahead.
 */
import { describe, expect, it } from 'vitest'
import { readAhead } from '../../src/node/car-walk.ts'

/** A source of `count` numbers that records how many it made and whether it was stopped. */
function counted (count: number): { source: AsyncGenerator<number>, made: () => number, stopped: () => boolean } {
  let made = 0
  let stopped = false
  const source = (async function * () {
    try {
      for (let i = 0; i < count; i++) {
        await new Promise(resolve => setTimeout(resolve, 1))
        made++
        yield i
      }
    } finally {
      stopped = true
    }
  })()
  return { source, made: () => made, stopped: () => stopped }
}

describe('readAhead', () => {
  it('gives every item, in order', async () => {
    const { source } = counted(20)
    const items: number[] = []
    for await (const item of readAhead(source, 3)) items.push(item)
    expect(items).toEqual([...Array(20).keys()])
  })

  it('asks the source for the next item while the reader holds this one, and no more than `depth` ahead', async () => {
    let asked = 0
    const source: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          const value = asked++
          return value < 20 ? { done: false, value } : { done: true, value: undefined }
        }
      })
    }
    const ahead = readAhead(source, 2)
    expect((await ahead.next()).value).toBe(0)
    // The reader holds item 0: items 1 and 2 are asked for already, item 3 not yet.
    expect(asked).toBe(3)
    expect((await ahead.next()).value).toBe(1)
    expect(asked).toBe(4)
    await ahead.return(undefined)
  })

  it('stops the source when the reader stops early', async () => {
    const { source, made, stopped } = counted(20)
    for await (const item of readAhead(source, 1)) if (item === 4) break
    expect(stopped()).toBe(true)
    expect(made()).toBeLessThanOrEqual(6)
  })

  it('passes the source\'s error on in its turn, after the items before it', async () => {
    const failing = (async function * () {
      yield 1
      yield 2
      throw new Error('the store failed')
    })()
    const items: number[] = []
    await expect((async () => { for await (const item of readAhead(failing, 2)) items.push(item) })()).rejects.toThrow('the store failed')
    expect(items).toEqual([1, 2])
  })
})
