/**
 * Garbage collection: removes every stored block that no pin holds and no
 * unfinished fetch keeps for resuming (unfinished-fetches.ts). Helia's gc
 * knows pins only. Callers hold the GC lock (gc-lock.ts), so no import or pin
 * changes meanwhile; fetches go on, and are safe because the blocks are listed
 * before the unfinished fetches are asked what they keep (a block stored after
 * the listing is not considered at all).
 */
import { blockKey } from './stored-dag.ts'
import type { Helia } from '@helia/interface'
import type { CID } from 'multiformats/cid'

export interface GcComponents extends Pick<Helia, 'blockstore' | 'pins'> {
  /** Blocks to keep besides pinned ones, by blockKey. */
  retained: (signal?: AbortSignal) => Promise<Set<string>>
}

export interface GcOptions {
  signal?: AbortSignal
  onDeleted?: (cid: CID) => void
}

/** Returns how many blocks were removed. */
export async function collectGarbage ({ blockstore, pins, retained }: GcComponents, { signal, onDeleted }: GcOptions = {}): Promise<number> {
  const listed: CID[] = []
  for await (const { cid } of blockstore.getAll({ signal })) listed.push(cid)
  const keep = await retained(signal)
  let removed = 0
  for (const cid of listed) {
    signal?.throwIfAborted()
    if (keep.has(blockKey(cid)) || await pins.isPinned(cid, { signal })) continue
    try {
      // Through Helia: it locks the block against a read under way and checks the pin once more.
      await blockstore.delete(cid, { signal })
    } catch (err) {
      if ((err as Error).name === 'BlockPinnedError') continue
      throw err
    }
    removed++
    onDeleted?.(cid)
  }
  return removed
}
