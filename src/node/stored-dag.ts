/**
 * How much of a DAG this browser holds, found by walking from its root through
 * the blocks stored here and never asking the network: what an unfinished
 * fetch has, how much of a link is here already, and what garbage collection
 * keeps of it. A block whose parent is missing is not reached; a fetch stores
 * every parent before it asks for its children, so none of its blocks is.
 */
import { base32 } from 'multiformats/bases/base32'
import * as raw from 'multiformats/codecs/raw'
import toBuffer from 'it-to-buffer'
import { blockLinks } from './dag-links.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** Reads this browser's blocks only. */
export interface LocalBlocks {
  has: (cid: CID, options?: AbortOptions) => boolean | Promise<boolean>
  get: (cid: CID, options?: AbortOptions) => AsyncIterable<Uint8Array> | Iterable<Uint8Array>
}

export interface StoredDag {
  blocks: number
  bytes: number
  /** Bytes of the whole DAG as its root declares them; absent while the root is not here. */
  totalBytes?: number
}

export interface StoredDagOptions extends AbortOptions {
  /** Called with every block of the DAG that is here. */
  onBlock?: (cid: CID) => void
}

/** One block, whichever CID names it: blocks are stored by multihash. */
export function blockKey (cid: CID): string {
  return base32.encode(cid.multihash.bytes)
}

export async function storedDag (root: CID, store: LocalBlocks, options: StoredDagOptions = {}): Promise<StoredDag> {
  const result: StoredDag = { blocks: 0, bytes: 0 }
  if (!(await store.has(root, options))) return result
  const seen = new Set([blockKey(root)])
  // Blocks known to be here, level by level; a raw leaf's size is its link's Tsize, so leaves are never read.
  let level: Array<{ cid: CID, size?: number }> = [{ cid: root }]
  while (level.length > 0) {
    const next: typeof level = []
    for (const { cid, size } of level) {
      options.signal?.throwIfAborted()
      result.blocks++
      options.onBlock?.(cid)
      if (cid.code === raw.code && size != null) { result.bytes += size; continue }
      const block = await toBuffer(store.get(cid, options))
      result.bytes += block.byteLength
      const links = blockLinks(cid, block)
      result.totalBytes ??= links?.size ?? block.byteLength
      const children = (links?.cids ?? []).map((child, i) => ({ cid: child, size: links?.sizes[i] })).filter(child => {
        const key = blockKey(child.cid)
        if (seen.has(key)) return false
        seen.add(key)
        return true
      })
      const here = await Promise.all(children.map(async child => await store.has(child.cid, options)))
      next.push(...children.filter((_, i) => here[i]))
    }
    level = next
  }
  return result
}
