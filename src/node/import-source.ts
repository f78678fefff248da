/**
 * Reads File objects as byte streams for the importer, without holding a whole
 * file in memory, and counts the bytes read for progress reports.
 */
export async function * readFile (file: Blob, onBytes: (n: number) => void, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  const reader = file.stream().getReader()
  try {
    while (true) {
      signal.throwIfAborted()
      const { done, value } = await reader.read()
      if (done) return
      onBytes(value.byteLength)
      yield value
    }
  } finally {
    reader.releaseLock()
  }
}

/** Calls `report` at most once per `intervalMs`, plus once at the end via `flush`. */
export function throttle (report: () => void, intervalMs: number): { tick: () => void, flush: () => void } {
  let last = 0
  return {
    tick () {
      const now = Date.now()
      if (now - last >= intervalMs) {
        last = now
        report()
      }
    },
    flush: report
  }
}
