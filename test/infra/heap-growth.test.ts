/**
 * The infra node doubles V8's heap growth unless its operator chose a value
 * (src/infra/heap-growth.ts: why, and what it saves).
 */
import { expect, it } from 'vitest'
import { DEFAULT_HEAP_GROWING_PERCENT, tuneHeapGrowth } from '../../src/infra/heap-growth.ts'

function tune (execArgv: string[], nodeOptions?: string): string[] {
  const set: string[] = []
  tuneHeapGrowth({ execArgv, nodeOptions, setFlags: flags => { set.push(flags) } })
  return set
}

it('sets the heap growth when the operator gave none', () => {
  expect(tune([])).toEqual([`--heap-growing-percent=${DEFAULT_HEAP_GROWING_PERCENT}`])
  expect(tune(['--cpu-prof', '--max-old-space-size=512'], '--enable-source-maps')).toEqual([`--heap-growing-percent=${DEFAULT_HEAP_GROWING_PERCENT}`])
})

it("leaves the operator's value, given on the command line or in NODE_OPTIONS, in either spelling", () => {
  expect(tune(['--heap-growing-percent=30'])).toEqual([])
  expect(tune([], '--enable-source-maps --heap_growing_percent=50')).toEqual([])
  expect(tune(['--heap-growing-percent-typo=1'])).toEqual([`--heap-growing-percent=${DEFAULT_HEAP_GROWING_PERCENT}`])
})
