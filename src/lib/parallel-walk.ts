/**
 * Walks a graph breadth-first with a bounded number of visits in flight.
 * Helia's DAG walkers fetch one block at a time; over a network every block
 * is a round trip, so the node's fetcher and the infra node's preload walk
 * with this instead.
 */
export interface ParallelWalkOptions<T> {
  /** Visits in flight at most; a function is asked again each time a visit may start. */
  concurrency: number | (() => number)
  /** Identifies an item, so one reached by two paths is visited once. */
  key: (item: T) => string
  signal?: AbortSignal
}

/** Calls `visit` on every item reachable from `start`; `visit` returns the item's children. */
export async function walkInParallel<T> (start: T[], visit: (item: T) => Promise<T[]>, options: ParallelWalkOptions<T>): Promise<void> {
  const queue = [...start]
  const seen = new Set(queue.map(options.key))
  await new Promise<void>((resolve, reject) => {
    let active = 0
    let failed = false
    const fail = (err: unknown): void => { failed = true; reject(err) }
    // Starts visits while there is room; every visit that ends calls it again.
    const limit = typeof options.concurrency === 'number' ? () => options.concurrency as number : options.concurrency
    const pump = (): void => {
      if (failed) return
      if (queue.length === 0 && active === 0) { resolve(); return }
      while (active < Math.max(1, limit()) && queue.length > 0) {
        if (options.signal?.aborted === true) { fail(options.signal.reason); return }
        active++
        visit(queue.shift()!).then(children => {
          active--
          for (const child of children) {
            const key = options.key(child)
            if (!seen.has(key)) { seen.add(key); queue.push(child) }
          }
          pump()
        }, fail)
      }
    }
    pump()
  })
}
