import { depthFirstWalker } from '@helia/utils'
import * as dagPb from '@ipld/dag-pb'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { importer, type ImportCandidate } from 'ipfs-unixfs-importer'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { freshDagWalker } from '../../src/node/fresh-dag-walker.ts'
import type { GraphWalker, GraphWalkerComponents, WalkOptions } from '@helia/interface'
import type { BlockCodec } from 'multiformats/codecs/interface'

const MiB = 1024 * 1024
const IMPORT_OPTIONS = { profile: 'unixfs-v1-2025', cidVersion: 1, rawLeaves: true } as const

function getCodec (code: number): BlockCodec<any, any> {
  if (code === dagPb.code) return dagPb
  if (code === raw.code) return raw
  throw new Error(`No codec for 0x${code.toString(16)}`)
}

/** Deterministic pseudo-random bytes, so distinct files get distinct blocks. */
function bytesOf (size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size)
  let x = (seed * 2654435761) >>> 0 || 1
  for (let i = 0; i < size; i++) {
    x ^= x << 13; x >>>= 0
    x ^= x >>> 17
    x ^= x << 5; x >>>= 0
    out[i] = x & 0xff
  }
  return out
}

async function importAll (blockstore: MemoryBlockstore, candidates: ImportCandidate[]): Promise<CID> {
  let root: CID | undefined
  for await (const entry of importer(candidates, blockstore, IMPORT_OPTIONS)) root = entry.cid
  if (root == null) throw new Error('Nothing imported')
  return root
}

async function walkCids (walker: GraphWalker, root: CID, options?: WalkOptions<unknown>): Promise<string[]> {
  const cids: string[] = []
  for await (const node of walker.walk(root, options)) cids.push(node.block.cid.toString())
  return cids
}

function components (blockstore: MemoryBlockstore): GraphWalkerComponents {
  return { blockstore, getCodec } as unknown as GraphWalkerComponents
}

/** The walker's CIDs as a multiset (sorted list, duplicates kept). */
const multiset = (cids: string[]): string[] => [...cids].sort()

interface Dag { name: string, blockstore: MemoryBlockstore, root: CID }

const dags: Dag[] = []

beforeAll(async () => {
  // (a) One file of 5 MiB + 3 bytes: six 1 MiB-or-less raw leaves under a dag-pb root.
  const fileStore = new MemoryBlockstore()
  const fileRoot = await importAll(fileStore, [{ path: 'big.bin', content: bytesOf(5 * MiB + 3, 1) }])
  dags.push({ name: '5 MiB + 3 byte file', blockstore: fileStore, root: fileRoot })

  // (b) 50 files in dir/, dir/a/, dir/a/b/ and dir/a/b/c/: sizes from empty to
  // multi-leaf, and a few with identical content (the same leaf CID linked twice).
  const dirStore = new MemoryBlockstore()
  const folders = ['dir', 'dir/a', 'dir/a/b', 'dir/a/b/c']
  const candidates: ImportCandidate[] = Array.from({ length: 50 }, (_, i) => {
    const same = i % 12 === 5 // files 5, 17, 29 and 41 share their content
    const size = same ? 4321 : i % 10 === 0 ? 2 * MiB + i : i % 7 === 0 ? 0 : 1000 + i * 37
    const seed = same ? 5 : i + 100
    return { path: `${folders[i % folders.length]}/file-${i}.bin`, content: bytesOf(size, seed) }
  })
  const dirRoot = await importAll(dirStore, candidates)
  dags.push({ name: 'directory of 50 files in 3 nested folders', blockstore: dirStore, root: dirRoot })
}, 60_000)

describe('freshDagWalker', () => {
  it('imports the fixtures as expected (dag-pb roots, raw leaves, a block linked more than once)', async () => {
    expect(dags).toHaveLength(2)
    for (const dag of dags) expect(dag.root.code).toBe(dagPb.code)
    const cids = await walkCids(depthFirstWalker()(components(dags[1].blockstore)), dags[1].root)
    // 4 directories + 5 multi-leaf files are dag-pb; 50 files' worth of leaves are raw.
    expect(cids.filter(cid => CID.parse(cid).code === dagPb.code)).toHaveLength(9)
    expect(new Set(cids).size).toBeLessThan(cids.length)
  })

  for (const index of [0, 1]) {
    describe(['a 5 MiB + 3 byte file', 'a directory of 50 files in 3 nested folders'][index], () => {
      it('yields the same multiset of CIDs as Helia\'s depthFirstWalker', async () => {
        const { blockstore, root } = dags[index]
        const fresh = await walkCids(freshDagWalker()(components(blockstore)), root)
        const helia = await walkCids(depthFirstWalker()(components(blockstore)), root)

        expect(fresh.length).toBeGreaterThan(1)
        expect(fresh).toContain(root.toString())
        expect(multiset(fresh)).toEqual(multiset(helia))
      })

      it('never reads a raw block, and reads each dag-pb node it yields', async () => {
        const { blockstore, root } = dags[index]
        const get = vi.spyOn(blockstore, 'get')
        try {
          const yielded: CID[] = []
          for await (const node of freshDagWalker()(components(blockstore)).walk(root)) yielded.push(node.block.cid)

          const requested = get.mock.calls.map(call => call[0])
          expect(yielded.some(cid => cid.code === raw.code)).toBe(true)
          expect(requested.filter(cid => cid.code === raw.code)).toEqual([])
          expect(multiset(requested.map(String))).toEqual(multiset(yielded.filter(cid => cid.code === dagPb.code).map(String)))
        } finally {
          get.mockRestore()
        }
      })
    })
  }

  it('yields the 5 MiB + 3 byte file as its root and six raw leaves', async () => {
    const { blockstore, root } = dags[0]
    const nodes = []
    for await (const node of freshDagWalker()(components(blockstore)).walk(root)) nodes.push(node)

    expect(nodes).toHaveLength(7)
    expect(nodes[0].block.cid.equals(root)).toBe(true)
    expect(nodes[0].depth).toBe(0)
    expect(nodes[0].path.map(String)).toEqual([root.toString()])
    const leaves = nodes.slice(1)
    for (const leaf of leaves) {
      expect(leaf.block.cid.code).toBe(raw.code)
      expect(leaf.depth).toBe(1)
      expect(leaf.path.map(String)).toEqual([root.toString(), leaf.block.cid.toString()])
    }
  })

  it('with depth 0 yields only the root', async () => {
    for (const { blockstore, root } of dags) {
      expect(await walkCids(freshDagWalker()(components(blockstore)), root, { depth: 0 })).toEqual([root.toString()])
    }
  })

  it('with depth 1 yields the root and its direct children only, like depthFirstWalker', async () => {
    const { blockstore, root } = dags[1]
    const fresh = await walkCids(freshDagWalker()(components(blockstore)), root, { depth: 1 })
    const helia = await walkCids(depthFirstWalker()(components(blockstore)), root, { depth: 1 })
    const all = await walkCids(freshDagWalker()(components(blockstore)), root)

    expect(fresh.length).toBeGreaterThan(1)
    expect(fresh.length).toBeLessThan(all.length)
    expect(multiset(fresh)).toEqual(multiset(helia))
  })

  it('yields a raw root without reading it', async () => {
    const { blockstore, root } = dags[0]
    const leaf = CID.parse((await walkCids(freshDagWalker()(components(blockstore)), root))[1])
    expect(leaf.code).toBe(raw.code)
    const get = vi.spyOn(blockstore, 'get')
    try {
      const nodes = []
      for await (const node of freshDagWalker()(components(blockstore)).walk(leaf)) nodes.push(node)
      expect(nodes).toHaveLength(1)
      expect(nodes[0].block.cid.equals(leaf)).toBe(true)
      expect(nodes[0].depth).toBe(0)
      expect(get).not.toHaveBeenCalled()
    } finally {
      get.mockRestore()
    }
  })

  it('skips the children includeChild rejects', async () => {
    const { blockstore, root } = dags[0]
    const cids = await walkCids(freshDagWalker()(components(blockstore)), root, { includeChild: () => false })
    expect(cids).toEqual([root.toString()])
  })

  it('throws an AbortError, reading nothing, for an already-aborted signal', async () => {
    const { blockstore, root } = dags[1]
    const controller = new AbortController()
    controller.abort()
    const get = vi.spyOn(blockstore, 'get')
    try {
      await expect(walkCids(freshDagWalker()(components(blockstore)), root, { signal: controller.signal }))
        .rejects.toHaveProperty('name', 'AbortError')
      expect(get).not.toHaveBeenCalled()
    } finally {
      get.mockRestore()
    }
  })

  it('stops with an AbortError when the signal aborts mid-walk, even among raw leaves it does not read', async () => {
    // The file's root is followed by six raw leaves, which never reach the
    // blockstore: only the walker's own check can stop there.
    const { blockstore, root } = dags[0]
    const controller = new AbortController()
    const walk = freshDagWalker()(components(blockstore)).walk(root, { signal: controller.signal })
    const seen: string[] = []

    await expect((async () => {
      for await (const node of walk) {
        seen.push(node.block.cid.toString())
        if (seen.length === 2) controller.abort()
      }
    })()).rejects.toHaveProperty('name', 'AbortError')
    expect(seen).toHaveLength(2)
  })
})
