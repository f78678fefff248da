/**
 * The infra node's blockstore (blockstore-fs) reads a block in one piece.
 * As published (4.0.1) it streamed every file in Node.js's default 64 KiB
 * chunks: 16 reads through libuv's thread pool for each 1 MiB block, which
 * made reading a quarter of the infra node's CPU while it served a browser.
 * patches/blockstore-fs+4.0.1.patch, docs/upstream/blockstore-fs-reads.md.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FsBlockstore } from 'blockstore-fs'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterEach, expect, it } from 'vitest'
import { blockBytes } from './helpers/bitswap-peers.ts'

const dirs: string[] = []
afterEach(async () => { await Promise.all(dirs.splice(0).map(async dir => { await rm(dir, { recursive: true, force: true }) })) })

async function chunksOf (store: FsBlockstore, cid: CID): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = []
  for await (const chunk of store.get(cid)) chunks.push(chunk)
  return chunks
}

it('reads a 1 MiB block in one piece, and a larger one in 1 MiB pieces, byte for byte', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'pollen-blockstore-fs-'))
  dirs.push(dir)
  const store = new FsBlockstore(dir)
  await store.open()
  for (const [size, pieces] of [[1024 * 1024, 1], [1024 * 1024 + 1, 2], [3 * 1024 * 1024, 3]]) {
    const bytes = blockBytes(size, size)
    const cid = CID.createV1(raw.code, await sha256.digest(bytes))
    await store.put(cid, bytes)
    const chunks = await chunksOf(store, cid)
    expect(chunks.length, `a block of ${size} bytes`).toBe(pieces)
    expect(Buffer.concat(chunks).equals(Buffer.from(bytes))).toBe(true)
  }
  await store.close()
})
