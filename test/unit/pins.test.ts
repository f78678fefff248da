/**
 * Helia's pins, as Pollen's library uses them (helia.pins.add / rm, then
 * garbage collection): a block two roots share stays as long as either pins
 * it, however often one of them is unpinned and pinned again.
 * (docs/upstream/helia-pins-rm.md: Helia 7.1.15 kept the wrong root in a
 * block's pinnedBy on rm, so pinning that root again did not count.)
 */
import * as dagPb from '@ipld/dag-pb'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { createHeliaLight } from 'helia'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'

async function put (helia: Awaited<ReturnType<typeof createHeliaLight>>, codec: number, bytes: Uint8Array): Promise<CID> {
  const cid = CID.createV1(codec, await sha256.digest(bytes))
  await helia.blockstore.put(cid, bytes)
  return cid
}

async function drain (iterable: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of iterable) { /* each block */ }
}

describe('pins over shared blocks', () => {
  it('keep a block two roots share while either pins it, after one was unpinned and pinned again', async () => {
    const helia = await createHeliaLight({ blockstore: new MemoryBlockstore(), datastore: new MemoryDatastore() })
    const shared = await put(helia, raw.code, new TextEncoder().encode('a file in two folders\n'))
    const folder = async (name: string): Promise<CID> => await put(helia, dagPb.code, dagPb.encode(dagPb.prepare({ Links: [{ Hash: shared, Name: name, Tsize: 22 }] })))
    const a = await folder('a.txt')
    const b = await folder('b.txt')

    await drain(helia.pins.add(a))
    await drain(helia.pins.add(b))
    await drain(helia.pins.rm(a))
    await drain(helia.pins.add(a))
    await drain(helia.pins.rm(b))
    await helia.gc()

    expect(await helia.pins.isPinned(a)).toBe(true)
    expect(await helia.blockstore.has(shared)).toBe(true)
    await helia.stop()
  })
})
