/**
 * The blocks of a trustless CAR, read from this node's own blockstore, depth
 * first, one block each time the reader asks for the next: a slow peer never
 * makes this node read far ahead of what it sends (`readAhead` bounds how far).
 *
 * Written here rather than taken from @helia/car: its walkers (@helia/utils'
 * depth-first walker, which its UnixFS exporter always uses) read every block
 * into a queue as fast as the store gives them, whatever the reader takes,
 * and its UnixFS exporter measures entity-bytes offsets within each node
 * rather than within the file, so a range in a file of more than one level
 * of links picks the wrong leaves.
 */
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import { walkPath } from 'ipfs-unixfs-exporter'
import toBuffer from 'it-to-buffer'
import { createUnsafe } from 'multiformats/block'
import * as raw from 'multiformats/codecs/raw'
import { identity } from 'multiformats/hashes/identity'
import { entityRange, type CarScope } from '../lib/trustless-request.ts'
import type { CodecLoader } from '@helia/interface'
import type { AbortOptions } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

/**
 * Blocks a CAR response reads ahead of what it sends: the next block's read
 * (a few milliseconds per MiB from IndexedDB) overlaps the sending of this
 * one, instead of leaving the connection idle between blocks.
 */
export const DEFAULT_READ_AHEAD_BLOCKS = 1

export interface CarBlock {
  cid: CID
  bytes: Uint8Array
}

export interface CarWalkComponents {
  /** This node's own blocks: a store that never asks the network. */
  blockstore: Pick<Blockstore, 'get'>
  getCodec: CodecLoader
}

/** An identity CID carries its bytes: it is everywhere, and a CAR never holds it as a block. */
export function isIdentity (cid: CID): boolean {
  return cid.multihash.code === identity.code
}

export async function read (components: CarWalkComponents, cid: CID, options: AbortOptions): Promise<Uint8Array> {
  if (isIdentity(cid)) return cid.multihash.digest
  return await toBuffer(components.blockstore.get(cid, options))
}

async function linksOf (components: CarWalkComponents, block: CarBlock): Promise<CID[]> {
  if (block.cid.code === raw.code) return []
  const codec = await components.getCodec(block.cid.code)
  return [...createUnsafe({ cid: block.cid, bytes: block.bytes, codec }).links()].map(([, cid]) => cid)
}

/**
 * The CID `segments` lead to below `root`, and the blocks read to get there
 * (HAMT shards included) in the order read, each once, the target left out.
 */
export async function resolvePath (components: CarWalkComponents, root: CID, segments: string[], options: AbortOptions = {}): Promise<{ target: CID, blocks: CarBlock[] }> {
  if (segments.length === 0) return { target: root, blocks: [] }
  const blocks: CarBlock[] = []
  const seen = new Set<string>()
  const recording: Pick<Blockstore, 'get'> = {
    async * get (cid, getOptions) {
      const bytes = await read(components, cid, getOptions ?? {})
      if (!seen.has(cid.toString()) && !isIdentity(cid)) {
        seen.add(cid.toString())
        blocks.push({ cid, bytes })
      }
      yield bytes
    }
  }
  let target = root
  for await (const entry of walkPath(`${root}/${segments.join('/')}`, recording, options)) target = entry.cid
  return { target, blocks: blocks.filter(block => !block.cid.equals(target)) }
}

/** The blocks of `target` that `car` asks for, in depth-first order. */
export async function * scopeBlocks (components: CarWalkComponents, target: CID, car: CarScope, options: AbortOptions = {}): AsyncGenerator<CarBlock> {
  const root: CarBlock = { cid: target, bytes: await read(components, target, options) }
  if (car.scope === 'all') {
    yield * subgraph(components, root, car.duplicates ? undefined : new Set(), options)
  } else if (car.scope === 'block' || target.code !== dagPb.code) {
    // A raw block is a whole file; any other codec's entity is its block.
    yield * emit(root)
  } else {
    yield * unixfsEntity(components, root, car, options)
  }
}

function * emit (block: CarBlock): Generator<CarBlock> {
  if (!isIdentity(block.cid)) yield block
}

async function * subgraph (components: CarWalkComponents, block: CarBlock, seen: Set<string> | undefined, options: AbortOptions): AsyncGenerator<CarBlock> {
  if (seen != null) {
    // dups=n: a block met again, and everything below it, was sent already.
    if (seen.has(block.cid.toString())) return
    seen.add(block.cid.toString())
  }
  yield * emit(block)
  for (const link of await linksOf(components, block)) {
    yield * subgraph(components, { cid: link, bytes: await read(components, link, options) }, seen, options)
  }
}

async function * unixfsEntity (components: CarWalkComponents, root: CarBlock, car: CarScope, options: AbortOptions): AsyncGenerator<CarBlock> {
  const node = dagPb.decode(root.bytes)
  const data = node.Data == null ? undefined : UnixFS.unmarshal(node.Data)
  if (data?.type === 'file' || data?.type === 'raw') {
    const range = car.entityBytes == null ? undefined : entityRange(car.entityBytes, Number(data.fileSize()))
    // A range that holds no byte of the file gets the root alone, whose block sizes say why.
    if (car.entityBytes != null && range == null) yield * emit(root)
    else yield * fileBlocks(components, root, 0, range, options)
  } else if (data?.type === 'hamt-sharded-directory') {
    yield * shards(components, root, options)
  } else {
    // A directory is listed by its block; a symlink is its block.
    yield * emit(root)
  }
}

/** A file's blocks whose bytes meet `range` (all of them without one); `offset` is where `block`'s bytes start in the file. */
async function * fileBlocks (components: CarWalkComponents, block: CarBlock, offset: number, range: [number, number] | undefined, options: AbortOptions): AsyncGenerator<CarBlock> {
  yield * emit(block)
  if (block.cid.code !== dagPb.code) return
  const node = dagPb.decode(block.bytes)
  const data = node.Data == null ? undefined : UnixFS.unmarshal(node.Data)
  // A node's own bytes come before its children's.
  let start = offset + (data?.data?.byteLength ?? 0)
  for (const [i, link] of node.Links.entries()) {
    const size = Number(data?.blockSizes[i] ?? 0n)
    if (range == null || (start <= range[1] && start + size > range[0])) {
      yield * fileBlocks(components, { cid: link.Hash, bytes: await read(components, link.Hash, options) }, start, range, options)
    }
    start += size
  }
}

/** A sharded directory's shards, without the entries they point to. */
async function * shards (components: CarWalkComponents, block: CarBlock, options: AbortOptions): AsyncGenerator<CarBlock> {
  yield * emit(block)
  const node = dagPb.decode(block.bytes)
  const data = node.Data == null ? undefined : UnixFS.unmarshal(node.Data)
  // A link named by the bucket's hex prefix alone leads to a sub-shard; longer names are entries.
  const prefixLength = (Number(data?.fanout ?? 256n) - 1).toString(16).length
  for (const link of node.Links) {
    if (link.Name?.length === prefixLength) {
      yield * shards(components, { cid: link.Hash, bytes: await read(components, link.Hash, options) }, options)
    }
  }
}

/**
 * `source`, run up to `depth` items ahead of its reader: the items are still
 * made one at a time, in order, but the next is under way while the reader
 * handles this one. A reader that stops early stops the source.
 */
export async function * readAhead<T> (source: AsyncIterable<T>, depth = DEFAULT_READ_AHEAD_BLOCKS): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]()
  const ahead: Array<Promise<IteratorResult<T>>> = []
  try {
    while (true) {
      while (ahead.length <= depth) {
        const next = iterator.next()
        // Awaited in turn below; a reader that stopped first leaves it unread.
        next.catch(() => {})
        ahead.push(next)
      }
      const next = await ahead.shift()!
      if (next.done === true) return
      yield next.value
    }
  } finally {
    await iterator.return?.()
  }
}
