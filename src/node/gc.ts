/**
 * Garbage collection: removes every stored block that no pin holds and no
 * unfinished fetch keeps for resuming (unfinished-fetches.ts); Helia's gc
 * knows pins only. Like Helia's, it holds Helia's blockstore lock, so no block
 * is read, fetched or written meanwhile, and deletes from the local store
 * (Helia's own delete also cancels reproviding, which fails without a content
 * router). Callers hold the GC lock (gc-lock.ts), so no import or pin changes.
 */
import { blockKey } from './stored-dag.ts'
import type { Helia } from '@helia/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

export interface GcComponents extends Pick<Helia, 'blockstore' | 'pins'> {
  /** The store under Helia's blockstore: the blocks themselves, without the network. */
  local: Blockstore
  /** Blocks to keep besides pinned ones, by blockKey. */
  retained: (signal?: AbortSignal) => Promise<Set<string>>
}

export interface GcOptions {
  signal?: AbortSignal
  onDeleted?: (cid: CID) => void
}

interface HeliaLock { writeLock: () => Promise<() => void> }

/** Helia's blockstore (its BlockStorage class) declares the lock its gc takes; the Blocks interface does not. */
function heliaLock (blockstore: Helia['blockstore']): HeliaLock {
  const lock = (blockstore as unknown as { lock?: HeliaLock }).lock
  if (lock == null) throw new Error('Helia\'s blockstore has no lock to collect garbage under: check the Helia version')
  return lock
}

/** Returns how many blocks were removed. */
export async function collectGarbage ({ blockstore, pins, local, retained }: GcComponents, { signal, onDeleted }: GcOptions = {}): Promise<number> {
  const release = await heliaLock(blockstore).writeLock()
  try {
    const listed: CID[] = []
    for await (const { cid } of local.getAll({ signal })) listed.push(cid)
    const keep = await retained(signal)
    let removed = 0
    for (const cid of listed) {
      signal?.throwIfAborted()
      if (keep.has(blockKey(cid)) || await pins.isPinned(cid, { signal })) continue
      await local.delete(cid, { signal })
      removed++
      onDeleted?.(cid)
    }
    return removed
  } finally {
    release()
  }
}
