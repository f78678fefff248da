/**
 * Garbage collection (src/node/gc.ts) keeps pinned blocks and the blocks of
 * unfinished fetches (src/node/unfinished-fetches.ts), and takes the rest;
 * discarding an unfinished fetch lets the next collection take its blocks.
 */
import * as dagPb from '@ipld/dag-pb'
import { MemoryBlockstore } from 'blockstore-core'
import { MemoryDatastore } from 'datastore-core'
import { createHeliaLight } from 'helia'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { collectGarbage } from '../../src/node/gc.ts'
import { UnfinishedFetches } from '../../src/node/unfinished-fetches.ts'
import { pseudoRandomBytes } from '../e2e/helpers/content.ts'

async function cidOf (codec: number, bytes: Uint8Array): Promise<CID> {
  return CID.createV1(codec, await sha256.digest(bytes))
}

/** A file of `leaves` raw blocks under one dag-pb root; nothing stored yet. */
async function file (leaves: number, seed: number): Promise<{ root: CID, blocks: Map<CID, Uint8Array> }> {
  const blocks = new Map<CID, Uint8Array>()
  const links = []
  for (let i = 0; i < leaves; i++) {
    const bytes = pseudoRandomBytes(1000 + i, seed + i)
    const cid = await cidOf(raw.code, bytes)
    blocks.set(cid, bytes)
    links.push({ Hash: cid, Tsize: bytes.byteLength })
  }
  const rootBytes = dagPb.encode(dagPb.prepare({ Data: new Uint8Array([8, 2]), Links: links }))
  const root = await cidOf(dagPb.code, rootBytes)
  return { root, blocks: new Map([[root, rootBytes], ...blocks]) }
}

describe('garbage collection', () => {
  it('keeps pinned blocks and an unfinished fetch\'s, until that fetch is discarded', async () => {
    const local = new MemoryBlockstore()
    const datastore = new MemoryDatastore()
    const helia = await createHeliaLight({ blockstore: local, datastore })
    const unfinished = new UnfinishedFetches({ datastore, blocks: local, onChange: () => {} })
    const gc = async (): Promise<number> => await collectGarbage({ blockstore: helia.blockstore, pins: helia.pins, local, retained: async signal => await unfinished.retained(signal) })

    const pinned = await file(2, 1)
    for (const [cid, bytes] of pinned.blocks) await helia.blockstore.put(cid, bytes)
    for await (const _ of helia.pins.add(pinned.root)) { /* each block */ }

    // A fetch of three leaves stopped after the root and the first one.
    const partial = await file(3, 10)
    const running = await unfinished.begin(partial.root, { path: `/ipfs/${partial.root}`, maxBytes: 10_000, limitFrom: 'link', name: 'partial.bin' })
    const [root, first] = [...partial.blocks]
    for (const [cid, bytes] of [root, first]) await helia.blockstore.put(cid, bytes)
    await expect(unfinished.discard(partial.root.toString())).rejects.toThrow('still running')
    await running.end('stopped')

    const loose = await cidOf(raw.code, new TextEncoder().encode('seen once, kept by nobody'))
    await helia.blockstore.put(loose, new TextEncoder().encode('seen once, kept by nobody'))

    expect(await gc()).toBe(1)
    expect(await helia.blockstore.has(loose)).toBe(false)
    for (const cid of pinned.blocks.keys()) expect(await helia.blockstore.has(cid)).toBe(true)
    expect(await helia.blockstore.has(root[0])).toBe(true)
    expect(await helia.blockstore.has(first[0])).toBe(true)
    expect(await unfinished.list()).toMatchObject([{ cid: partial.root.toString(), name: 'partial.bin', blocks: 2, bytes: root[1].byteLength + first[1].byteLength, running: false }])

    await unfinished.discard(partial.root.toString())
    expect(await unfinished.list()).toEqual([])
    expect(await gc()).toBe(2)
    expect(await helia.blockstore.has(root[0])).toBe(false)
    for (const cid of pinned.blocks.keys()) expect(await helia.blockstore.has(cid)).toBe(true)
    await helia.stop()
  })
})
