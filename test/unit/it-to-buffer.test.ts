/**
 * it-to-buffer joins a block's pieces as the blockstore yields them; Helia's
 * bitswap and UnixFS read every block through it. As published (5.0.0) it
 * copied a block read in one piece, and joined several by copying all before
 * at each piece. patches/it-to-buffer+5.0.0.patch,
 * docs/upstream/it-to-buffer-copies.md.
 */
import toBuffer from 'it-to-buffer'
import { expect, it } from 'vitest'

async function * pieces (...bufs: Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield * bufs
}

it('returns a value read in one piece as it is, from an async or a sync source', async () => {
  const block = new Uint8Array(4096).fill(7)
  expect(await toBuffer(pieces(block))).toBe(block)
  expect(toBuffer([block])).toBe(block)
})

it('joins several pieces once, byte for byte, and gives an empty source an empty buffer', async () => {
  const parts = [new Uint8Array([1, 2]), new Uint8Array([3]), new Uint8Array([4, 5, 6])]
  const joined = await toBuffer(pieces(...parts))
  expect([...joined]).toEqual([1, 2, 3, 4, 5, 6])
  for (const part of parts) expect(joined.buffer).not.toBe(part.buffer)
  expect([...toBuffer(parts)]).toEqual([1, 2, 3, 4, 5, 6])
  expect((await toBuffer(pieces())).byteLength).toBe(0)
})

it('copies a single piece whose memory is shared, so the result is always ArrayBuffer-backed', async () => {
  const shared = new Uint8Array(new SharedArrayBuffer(4)).fill(9)
  const result = await toBuffer(pieces(shared))
  expect(result).not.toBe(shared)
  expect(result.buffer).toBeInstanceOf(ArrayBuffer)
  expect([...result]).toEqual([9, 9, 9, 9])
})
