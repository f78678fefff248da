/**
 * How many blocks a walk keeps wanted at once: enough bytes on their way to
 * keep the sender busy, and no more, since every block wanted waits behind the
 * others (a block waits about the bytes wanted before it divided by the rate).
 * The bytes wanted follow the rate the blocks arrive at: what arrives in
 * `DEFAULT_TARGET_WAIT_MS`, between `DEFAULT_MIN_WANTED_BYTES` (the sender's
 * pipeline in patches/@helia+bitswap+4.0.19.patch reads ahead while it sends)
 * and `DEFAULT_MAX_WANTED_BYTES`. Divided by the blocks' size, that makes 4 to
 * 32 wants of 1 MiB blocks, four times as many of the 256 KiB chunks most IPFS
 * tools make.
 *
 * Sizes and rate come from the leaves (blocks without links): a file's root and
 * inner nodes are a few KiB and are mostly wanted before any leaf, so counting
 * them would want every leaf of a file at once.
 */
export const DEFAULT_TARGET_WAIT_MS = 500
export const DEFAULT_MIN_WANTED_BYTES = 4 * 1024 * 1024
export const DEFAULT_MAX_WANTED_BYTES = 32 * 1024 * 1024
/** Before the leaves tell size and rate: a window right for 1 MiB blocks. */
export const DEFAULT_INITIAL_WANTS = 8
/** Bitswap senders keep at most 1024 wants per peer (Helia and Kubo alike); stay well below. */
export const DEFAULT_MAX_WANTS = 256
/** The rate is measured over the most recent leaves, so it follows a link that speeds up or slows down. */
const RATE_SAMPLES = 16

export class WantWindow {
  private leafBytes = 0
  private leaves = 0
  /** Arrival times (ms) and sizes of the most recent leaves. */
  private readonly recent: Array<{ at: number, size: number }> = []

  /** Counts a leaf (a block without links) that arrived at `at` (ms, performance.now() by default). */
  addLeaf (size: number, at = performance.now()): void {
    this.leafBytes += size
    this.leaves++
    this.recent.push({ at, size })
    if (this.recent.length > RATE_SAMPLES) this.recent.shift()
  }

  /** Blocks to keep wanted now. */
  size (): number {
    if (this.leaves === 0) return DEFAULT_INITIAL_WANTS
    const leafSize = Math.max(1, this.leafBytes / this.leaves)
    return Math.min(DEFAULT_MAX_WANTS, Math.max(1, Math.ceil(this.wantedBytes() / leafSize)))
  }

  /** Bytes to keep wanted: what arrives in the target wait at the recent rate. */
  private wantedBytes (): number {
    const first = this.recent[0]
    const last = this.recent[this.recent.length - 1]
    const elapsedMs = last.at - first.at
    // The first leaf's bytes arrived before the clock started.
    const rate = this.recent.length < 2 || elapsedMs <= 0 ? 0 : (this.recent.reduce((sum, leaf) => sum + leaf.size, 0) - first.size) / elapsedMs
    return Math.min(DEFAULT_MAX_WANTED_BYTES, Math.max(DEFAULT_MIN_WANTED_BYTES, rate * DEFAULT_TARGET_WAIT_MS))
  }
}
