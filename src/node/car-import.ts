/**
 * Importing a CAR file (what `ipfs dag import` does): every block is checked
 * against its CID before it is stored, and the CAR's roots whose DAG is then
 * complete here are named, so that they can be pinned and listed. A CAR is
 * untrusted input: one block that does not match its CID fails the import.
 */
import { CarBlockIterator } from '@ipld/car'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagJson from '@ipld/dag-json'
import * as dagPb from '@ipld/dag-pb'
import { createUnsafe } from 'multiformats/block'
import { identity } from 'multiformats/hashes/identity'
import { sha256, sha512 } from 'multiformats/hashes/sha2'
import toBuffer from 'it-to-buffer'
import { equals } from 'uint8arrays/equals'
import { blockKey } from './stored-dag.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'
import type { BlockCodec } from 'multiformats/codecs/interface'

/** Blocks written to the blockstore at once. */
export const DEFAULT_CAR_WRITE_BATCH = 64

const HASHERS = new Map<number, { digest: (bytes: Uint8Array) => Promise<{ digest: Uint8Array }> | { digest: Uint8Array } }>([
  [sha256.code, sha256], [sha512.code, sha512], [identity.code, identity]
])
/** Codecs whose blocks link to others; blocks of any other codec are leaves. */
const LINKING_CODECS = new Map<number, BlockCodec<number, unknown>>([
  [dagPb.code, dagPb], [dagCbor.code, dagCbor], [dagJson.code, dagJson]
])

export class InvalidCarError extends Error {
  override name = 'InvalidCarError'
}

export interface CarBlocks {
  has: (cid: CID, options?: AbortOptions) => boolean | Promise<boolean>
  get: (cid: CID, options?: AbortOptions) => AsyncIterable<Uint8Array> | Iterable<Uint8Array>
  putMany: (blocks: Array<{ cid: CID, block: Uint8Array }>, options?: AbortOptions) => Promise<void>
}

export interface CarImport {
  roots: CID[]
  /** The roots whose whole DAG is here now (from this CAR or stored before). */
  completeRoots: CID[]
  blocks: number
  /** Bytes of block data the CAR held. */
  bytes: number
}

export async function importCar (source: AsyncIterable<Uint8Array>, store: CarBlocks, options: AbortOptions = {}): Promise<CarImport> {
  let reader: CarBlockIterator
  try {
    reader = await CarBlockIterator.fromIterable(source)
  } catch (err) {
    throw new InvalidCarError(`This is not a CAR file: ${(err as Error).message}`)
  }
  const roots = await reader.getRoots()
  /** Every block's links, by block key: enough to tell which roots are complete without reading a block back. */
  const links = new Map<string, CID[]>()
  let batch: Array<{ cid: CID, block: Uint8Array }> = []
  let blocks = 0
  let bytes = 0
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return
    await store.putMany(batch, options)
    batch = []
  }
  try {
    for await (const { cid, bytes: block } of reader) {
      options.signal?.throwIfAborted()
      await verify(cid, block)
      links.set(blockKey(cid), linksOf(cid, block))
      batch.push({ cid, block })
      blocks++
      bytes += block.byteLength
      if (batch.length >= DEFAULT_CAR_WRITE_BATCH) await flush()
    }
  } catch (err) {
    if ((err as Error).name === 'InvalidCarError' || options.signal?.aborted === true) throw err
    throw new InvalidCarError(`The CAR file is damaged after ${blocks} blocks: ${(err as Error).message}`)
  }
  await flush()
  const completeRoots: CID[] = []
  for (const root of roots) {
    if (await isComplete(root, links, store, options)) completeRoots.push(root)
  }
  return { roots, completeRoots, blocks, bytes }
}

async function verify (cid: CID, block: Uint8Array): Promise<void> {
  const hasher = HASHERS.get(cid.multihash.code)
  if (hasher == null) throw new InvalidCarError(`Block ${cid} uses hash function 0x${cid.multihash.code.toString(16)}, which this node cannot check; nothing after it was imported`)
  const { digest } = await hasher.digest(block)
  if (!equals(digest, cid.multihash.digest)) throw new InvalidCarError(`Block ${cid} does not match its CID: the CAR file is damaged or forged; nothing after it was imported`)
}

function linksOf (cid: CID, block: Uint8Array): CID[] {
  const codec = LINKING_CODECS.get(cid.code)
  if (codec == null) return []
  try {
    return [...createUnsafe({ cid, bytes: block, codec }).links()].map(([, link]) => link)
  } catch (err) {
    throw new InvalidCarError(`Block ${cid} is not valid ${codec.name}: ${(err as Error).message}`)
  }
}

/** Walks a root's DAG through the CAR's blocks, then the store's; a block neither holds makes it incomplete. */
async function isComplete (root: CID, links: Map<string, CID[]>, store: CarBlocks, options: AbortOptions): Promise<boolean> {
  const seen = new Set<string>()
  const pending = [root]
  for (let cid = pending.pop(); cid != null; cid = pending.pop()) {
    const key = blockKey(cid)
    if (seen.has(key)) continue
    seen.add(key)
    if (cid.multihash.code === identity.code) continue
    const known = links.get(key)
    if (known != null) {
      pending.push(...known)
    } else if (await store.has(cid, options)) {
      // Stored before this CAR, perhaps by a fetch that stopped half way: its children are checked too.
      pending.push(...linksOf(cid, await toBuffer(store.get(cid, options))))
    } else {
      return false
    }
  }
  return true
}
