import { CarWriter } from '@ipld/car'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagPb from '@ipld/dag-pb'
import { MemoryBlockstore } from 'blockstore-core'
import toBuffer from 'it-to-buffer'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256, sha512 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { importCar, type CarBlocks } from '../../src/node/car-import.ts'

interface Block { cid: CID, bytes: Uint8Array }

async function rawBlock (text: string, hasher: typeof sha256 | typeof sha512 = sha256): Promise<Block> {
  const bytes = new TextEncoder().encode(text)
  return { cid: CID.createV1(raw.code, await hasher.digest(bytes)), bytes }
}

async function pbNode (children: Block[]): Promise<Block> {
  const bytes = dagPb.encode({ Links: children.map(child => ({ Hash: child.cid, Tsize: child.bytes.byteLength })) })
  return { cid: CID.createV1(dagPb.code, await sha256.digest(bytes)), bytes }
}

async function car (roots: CID[], blocks: Block[]): Promise<Uint8Array> {
  const { writer, out } = CarWriter.create(roots)
  const written = toBuffer(out)
  for (const block of blocks) await writer.put(block)
  await writer.close()
  return await written
}

async function * chunks (bytes: Uint8Array, size = 7): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += size) yield bytes.subarray(offset, offset + size)
}

function storeOf (blockstore: MemoryBlockstore): CarBlocks {
  return {
    has: async cid => await blockstore.has(cid),
    get: cid => blockstore.get(cid),
    putMany: async blocks => { for await (const _ of blockstore.putMany(blocks.map(({ cid, block }) => ({ cid, bytes: block })))) { /* stored */ } }
  }
}

describe('importCar', () => {
  it('stores every block of a whole DAG and names its root complete', async () => {
    const leaves = [await rawBlock('one'), await rawBlock('two', sha512)]
    const root = await pbNode(leaves)
    const cbor = dagCbor.encode({ file: root.cid })
    const cborRoot = { cid: CID.createV1(dagCbor.code, await sha256.digest(cbor)), bytes: cbor }
    const store = new MemoryBlockstore()
    const result = await importCar(chunks(await car([root.cid, cborRoot.cid], [cborRoot, root, ...leaves])), storeOf(store))
    expect(result.blocks).toBe(4)
    expect(result.completeRoots.map(String)).toEqual([root.cid.toString(), cborRoot.cid.toString()])
    for (const block of [root, cborRoot, ...leaves]) expect(await toBuffer(store.get(block.cid))).toEqual(block.bytes)
  })

  it('names a root incomplete when a block of its DAG is neither in the CAR nor stored, and complete once it is stored', async () => {
    const leaves = [await rawBlock('here'), await rawBlock('missing')]
    const root = await pbNode(leaves)
    const store = new MemoryBlockstore()
    const partial = await importCar(chunks(await car([root.cid], [root, leaves[0]])), storeOf(store))
    expect(partial.completeRoots).toEqual([])
    expect(partial.roots.map(String)).toEqual([root.cid.toString()])
    await store.put(leaves[1].cid, leaves[1].bytes)
    const again = await importCar(chunks(await car([root.cid], [root])), storeOf(store))
    expect(again.completeRoots.map(String)).toEqual([root.cid.toString()])
  })

  it('fails on a block that does not match its CID, and stores nothing from it on', async () => {
    const good = await rawBlock('good')
    const forged = { cid: (await rawBlock('what the CID promises')).cid, bytes: new TextEncoder().encode('something else') }
    const after = await rawBlock('after')
    const store = new MemoryBlockstore()
    await expect(importCar(chunks(await car([good.cid], [good, forged, after])), storeOf(store))).rejects.toMatchObject({ name: 'InvalidCarError', message: expect.stringContaining('does not match its CID') })
    expect(await store.has(forged.cid)).toBe(false)
    expect(await store.has(after.cid)).toBe(false)
  })

  it('refuses a file that is not a CAR, and one cut short', async () => {
    const store = new MemoryBlockstore()
    await expect(importCar(chunks(new TextEncoder().encode('<html>not a car</html>')), storeOf(store))).rejects.toMatchObject({ name: 'InvalidCarError' })
    const block = await rawBlock('a block long enough to be cut in the middle of its bytes')
    const whole = await car([block.cid], [block])
    await expect(importCar(chunks(whole.subarray(0, whole.byteLength - 10)), storeOf(store))).rejects.toMatchObject({ name: 'InvalidCarError', message: expect.stringContaining('damaged') })
    expect(await store.has(block.cid)).toBe(false)
  })
})

describe('the cbor codec', () => {
  it('reads plain CBOR, a tag 42 as the bytes it wraps: no links', async () => {
    const { cbor } = await import('../../src/node/cbor-codec.ts')
    const { createUnsafe } = await import('multiformats/block')
    const link = (await rawBlock('linked')).cid
    const bytes = dagCbor.encode({ name: 'plain', link })
    const block = createUnsafe({ cid: CID.createV1(cbor.code, await sha256.digest(bytes)), bytes, codec: cbor })
    expect([...block.links()]).toEqual([])
    expect((block.value as { name: string }).name).toBe('plain')
    expect(cbor.decode(cbor.encode({ a: 1 }))).toEqual({ a: 1 })
  })
})
