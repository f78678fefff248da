/**
 * How many blocks a walk keeps wanted at once: enough to keep
 * `DEFAULT_WANTED_BYTES` on their way, whatever the blocks' size, so the
 * sender's pipeline (patches/@helia+bitswap+4.0.19.patch keeps up to 8 MiB in
 * flight per peer) never runs dry. 16 wants of 1 MiB blocks fill it; the
 * 256 KiB chunks most IPFS tools make need 64, small blocks more.
 *
 * The size comes from the leaves (blocks without links): a file's root and
 * inner nodes are a few KiB and are mostly wanted before any leaf, so counting
 * them would want every leaf of a file at once, and each would wait for
 * nearly the whole transfer.
 */
export const DEFAULT_WANTED_BYTES = 16 * 1024 * 1024
/** Before the first leaf tells the size: a window right for 1 MiB blocks. */
export const DEFAULT_INITIAL_WANTS = 16
/** Bitswap senders keep at most 1024 wants per peer (Helia and Kubo alike); stay well below. */
export const DEFAULT_MAX_WANTS = 256

export class WantWindow {
  private bytes = 0
  private blocks = 0
  private readonly wantedBytes: number

  constructor (wantedBytes = DEFAULT_WANTED_BYTES) {
    this.wantedBytes = wantedBytes
  }

  /** Counts a leaf (a block without links) that arrived. */
  addLeaf (size: number): void {
    this.bytes += size
    this.blocks++
  }

  /** Blocks to keep wanted now. */
  size (): number {
    if (this.blocks === 0) return DEFAULT_INITIAL_WANTS
    const average = Math.max(1, this.bytes / this.blocks)
    return Math.min(DEFAULT_MAX_WANTS, Math.max(DEFAULT_INITIAL_WANTS, Math.ceil(this.wantedBytes / average)))
  }
}
