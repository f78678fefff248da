/**
 * Noise's ChaCha20-Poly1305 through libsodium (src/node/noise-crypto.ts): it
 * seals and opens exactly as noise's own JavaScript does, refuses what was
 * tampered with, and carries a real connection to a node that uses Node.js's
 * native cipher (as the infra node does).
 */
import { noise, pureJsCrypto } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type Libp2p } from 'libp2p'
import { Uint8ArrayList } from 'uint8arraylist'
import { afterEach, describe, expect, it } from 'vitest'
import { loadNoiseCrypto } from '../../src/node/noise-crypto.ts'
import { blockBytes } from './helpers/bitswap-peers.ts'
import type { ICryptoInterface } from '@chainsafe/libp2p-noise'

const KEY = blockBytes(1, 32)
const AD = blockBytes(2, 32)

function nonce (n: number): Uint8Array {
  const bytes = new Uint8Array(12)
  new DataView(bytes.buffer).setUint32(4, n, true)
  return bytes
}

function bytesOf (data: Uint8Array | Uint8ArrayList): Uint8Array {
  return data.subarray()
}

describe('noise ChaCha20-Poly1305 through libsodium', () => {
  let sodium: ICryptoInterface

  it('loads libsodium where WebAssembly runs (no fallback to JavaScript)', async () => {
    const loaded = await loadNoiseCrypto()
    expect(loaded.cipher).toBe('ChaCha20-Poly1305 in WebAssembly (libsodium)')
    sodium = loaded.crypto
    expect(sodium.chaCha20Poly1305Encrypt).not.toBe(pureJsCrypto.chaCha20Poly1305Encrypt)
  })

  it('seals every size as noise\'s own cipher does, and opens what noise sealed', () => {
    for (const [i, size] of [0, 1, 63, 64, 65, 4096, 65519].entries()) {
      const plaintext = blockBytes(10 + i, size)
      const expected = bytesOf(pureJsCrypto.chaCha20Poly1305Encrypt(plaintext, nonce(i), AD, KEY))
      const sealed = bytesOf(sodium.chaCha20Poly1305Encrypt(plaintext, nonce(i), AD, KEY))
      expect(Buffer.from(sealed).equals(Buffer.from(expected)), `size ${size}`).toBe(true)
      const opened = bytesOf(sodium.chaCha20Poly1305Decrypt(expected, nonce(i), AD, KEY))
      expect(Buffer.from(opened).equals(Buffer.from(plaintext)), `size ${size}`).toBe(true)
    }
  })

  it('seals a message given in pieces (a Uint8ArrayList) as one', () => {
    const whole = blockBytes(20, 10_000)
    const pieces = new Uint8ArrayList(whole.subarray(0, 3), whole.subarray(3, 5000), whole.subarray(5000))
    const sealed = bytesOf(sodium.chaCha20Poly1305Encrypt(pieces, nonce(7), AD, KEY))
    const expected = bytesOf(pureJsCrypto.chaCha20Poly1305Encrypt(whole, nonce(7), AD, KEY))
    expect(Buffer.from(sealed).equals(Buffer.from(expected))).toBe(true)
    const sealedPieces = new Uint8ArrayList(sealed.subarray(0, 100), sealed.subarray(100))
    expect(Buffer.from(bytesOf(sodium.chaCha20Poly1305Decrypt(sealedPieces, nonce(7), AD, KEY))).equals(Buffer.from(whole))).toBe(true)
  })

  it('refuses a flipped bit, another nonce, other associated data and another key', () => {
    const sealed = bytesOf(sodium.chaCha20Poly1305Encrypt(blockBytes(30, 1000), nonce(1), AD, KEY))
    const flipped = sealed.slice()
    flipped[500] ^= 1
    expect(() => sodium.chaCha20Poly1305Decrypt(flipped, nonce(1), AD, KEY)).toThrow()
    expect(() => sodium.chaCha20Poly1305Decrypt(sealed, nonce(2), AD, KEY)).toThrow()
    expect(() => sodium.chaCha20Poly1305Decrypt(sealed, nonce(1), blockBytes(3, 32), KEY)).toThrow()
    expect(() => sodium.chaCha20Poly1305Decrypt(sealed, nonce(1), AD, blockBytes(4, 32))).toThrow()
  })
})

describe('a connection between libsodium noise and Node.js\'s native noise', () => {
  const ECHO = '/pollen-test/echo/1.0.0'
  const nodes: Libp2p[] = []
  afterEach(async () => { await Promise.all(nodes.splice(0).map(async node => { await node.stop() })) })

  async function start (crypto?: ICryptoInterface): Promise<Libp2p> {
    const node = await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise(crypto == null ? {} : { crypto })],
      streamMuxers: [yamux()]
    })
    nodes.push(node)
    return node
  }

  it('carries 8 MiB each way intact', async () => {
    const browserLike = await start((await loadNoiseCrypto()).crypto)
    const native = await start()
    await native.handle(ECHO, async stream => {
      for await (const chunk of stream) {
        if (!stream.send(chunk)) await stream.onDrain()
      }
      await stream.close()
    })
    const sent = blockBytes(40, 8 * 1024 * 1024)
    const stream = await browserLike.dialProtocol(native.getMultiaddrs(), ECHO)
    const received = new Uint8ArrayList()
    const reading = (async () => { for await (const chunk of stream) received.append(chunk.subarray()) })()
    for (let offset = 0; offset < sent.length; offset += 256 * 1024) {
      if (!stream.send(sent.subarray(offset, offset + 256 * 1024))) await stream.onDrain()
    }
    await stream.close()
    await reading
    expect(received.byteLength).toBe(sent.byteLength)
    expect(Buffer.from(received.subarray()).equals(Buffer.from(sent))).toBe(true)
  })
})
