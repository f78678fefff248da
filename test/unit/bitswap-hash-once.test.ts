/**
 * A block fetched over bitswap is hashed once. Bitswap finds which want a
 * received block answers by hashing it; Helia then hashed it again to check
 * it against the CID (about 5 % of a receiving browser's CPU). And bitswap
 * matched a block to a want by the digest alone, not the hash function: a peer
 * could answer a sha2-256 want with an "identity" block whose bytes are the
 * wanted digest, and Helia's second hash was all that caught it, failing the
 * fetch. Bitswap now matches the whole multihash and hands Helia the one it
 * computed. patches/@helia+bitswap+4.0.19.patch, patches/helia+7.1.15.patch,
 * patches/@helia+interface+7.1.1.patch, docs/upstream/helia-bitswap-hash-once.md.
 */
import toBuffer from 'it-to-buffer'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { from } from 'multiformats/hashes/hasher'
import { identity } from 'multiformats/hashes/identity'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterEach, expect, it } from 'vitest'
import { BITSWAP_PROTOCOL, blockBytes, connect, startBitswapPeer, waitFor, type BitswapPeer } from './helpers/bitswap-peers.ts'

const peers: BitswapPeer[] = []
afterEach(async () => { await Promise.all(peers.splice(0).map(async peer => { await peer.stop() })) })

interface HeliaBlocks { blockstore: { get: (cid: CID) => AsyncGenerator<Uint8Array> } }

function blocksOf (peer: BitswapPeer): HeliaBlocks['blockstore'] {
  return (peer.helia as HeliaBlocks).blockstore
}

it('checks a block bitswap found against its CID without hashing it again', async () => {
  let heliaHashes = 0
  const countingSha256 = from({ name: sha256.name, code: sha256.code, encode: async bytes => { heliaHashes++; return await sha256.encode(bytes) } })
  const sharer = await startBitswapPeer()
  const fetcher = await startBitswapPeer({}, { hashers: [countingSha256] })
  peers.push(sharer, fetcher)
  const blocks = [blockBytes(1, 256 * 1024), blockBytes(2, 256 * 1024), blockBytes(3, 256 * 1024)]
  const cids = await Promise.all(blocks.map(async bytes => await sharer.add(bytes)))
  await connect(fetcher, sharer)

  const fetched = await Promise.all(cids.map(async cid => await toBuffer(blocksOf(fetcher).get(cid))))

  fetched.forEach((bytes, i) => { expect(Buffer.from(bytes).equals(Buffer.from(blocks[i]))).toBe(true) })
  expect(heliaHashes, 'blocks Helia hashed again after bitswap').toBe(0)
})

/** One varint, as protobuf and the length prefix write them. */
function varint (n: number): number[] {
  const out: number[] = []
  for (; n >= 0x80; n = Math.floor(n / 0x80)) out.push((n & 0x7f) | 0x80)
  out.push(n)
  return out
}

function field (tag: number, bytes: Uint8Array | number[]): number[] {
  return [tag, ...varint(bytes.length), ...bytes]
}

/** A length-prefixed bitswap message with one block (payload, field 3: prefix 1, data 2). */
function blockMessage (prefix: number[], data: Uint8Array): Uint8Array {
  const message = field(0x1a, [...field(0x0a, prefix), ...field(0x12, data)])
  return new Uint8Array([...varint(message.length), ...message])
}

it('does not take a block of another hash function whose digest equals the wanted one, and still gets the right block', async () => {
  const liar = await startBitswapPeer()
  const fetcher = await startBitswapPeer()
  const sharer = await startBitswapPeer()
  peers.push(liar, fetcher, sharer)
  const bytes = blockBytes(7, 64 * 1024)
  const cid = await sharer.add(bytes)
  await connect(fetcher, liar)

  const fetching = toBuffer(blocksOf(fetcher).get(cid))
  fetching.catch(() => {})
  // The lie: CIDv1, raw, identity, 32 bytes: the "block" is the wanted sha2-256 digest itself.
  const lieCid = CID.createV1(raw.code, identity.digest(cid.multihash.digest))
  const lieSeen = new Promise<void>(resolve => {
    const wantList = (fetcher.bitswap as unknown as { wantList: EventTarget }).wantList
    wantList.addEventListener('block', (evt) => {
      if ((evt as CustomEvent<{ cid: CID }>).detail.cid.equals(lieCid)) resolve()
    })
  })
  await waitFor(async () => (await fetcher.bitswap.getWantlist()).some(entry => entry.cid.equals(cid)), 'the fetcher to want the block')
  const stream = await liar.libp2p.dialProtocol(fetcher.libp2p.peerId, BITSWAP_PROTOCOL)
  stream.send(blockMessage([0x01, raw.code, identity.code, 32], cid.multihash.digest))
  await stream.close()
  await lieSeen

  await connect(fetcher, sharer)
  const fetched = await fetching
  expect(Buffer.from(fetched).equals(Buffer.from(bytes))).toBe(true)
})
