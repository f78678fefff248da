/**
 * V8's heap growth for the infra node. Its live heap is small (about 50 MB),
 * and nearly all it allocates in a transfer are block and message buffers
 * that die young. Under that load V8's own growing factor fell to about 1.5
 * after the first full GC of a transfer, leaving less room above the live heap
 * than its young generation takes; incremental marking then started again
 * right after each full GC: 5 to 15 full GCs in one 64 MiB preload, twice the
 * node's CPU (measured with --trace-gc and --trace-incremental-marking; see
 * bench/RESULTS.md). A fixed doubling leaves the room.
 */
import { setFlagsFromString } from 'node:v8'

/** How far the old generation may grow past what a full GC left alive, in percent (--heap-growing-percent). */
export const DEFAULT_HEAP_GROWING_PERCENT = 100

export interface HeapGrowthInit {
  /** The process's own flags (process.execArgv) */
  execArgv: string[]
  /** NODE_OPTIONS, if set */
  nodeOptions?: string
  /** Sets a V8 flag; node:v8's setFlagsFromString unless given */
  setFlags?(flags: string): void
}

/**
 * Sets V8's heap growth to DEFAULT_HEAP_GROWING_PERCENT unless the operator
 * gave --heap-growing-percent (on the command line or in NODE_OPTIONS), whose
 * value then stands. V8 reads it at each full GC, so setting it once the
 * process runs takes effect from the next. Returns the flag set, if any.
 */
export function tuneHeapGrowth (init: HeapGrowthInit): string | undefined {
  const given = [...init.execArgv, ...(init.nodeOptions ?? '').split(/\s+/)]
  if (given.some(flag => /^--heap[-_]growing[-_]percent(=|$)/.test(flag))) return undefined
  const flag = `--heap-growing-percent=${DEFAULT_HEAP_GROWING_PERCENT}`
  ;(init.setFlags ?? setFlagsFromString)(flag)
  return flag
}
