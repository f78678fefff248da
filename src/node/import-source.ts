/**
 * Reads File objects for the importer, without holding a whole file in
 * memory, and counts the bytes read for progress reports.
 */

/**
 * Slices of exactly the import profile's chunk size: the chunker then passes
 * each one on as a block without copying it (a stream's 64 KiB pieces would be
 * copied into every block, doubling the garbage an import leaves).
 */
export const DEFAULT_READ_SIZE = 1024 * 1024

export async function * readFile (file: Blob, onBytes: (n: number) => void, signal: AbortSignal, readSize = DEFAULT_READ_SIZE): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < file.size; offset += readSize) {
    signal.throwIfAborted()
    const bytes = new Uint8Array(await file.slice(offset, offset + readSize).arrayBuffer())
    onBytes(bytes.byteLength)
    yield bytes
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
