/**
 * Noise's ChaCha20-Poly1305 through libsodium's WebAssembly build. A browser has
 * no native ChaCha20-Poly1305 (WebCrypto lacks it) and noise's default,
 * @noble/ciphers in plain JavaScript, was the largest share of the browser node's
 * CPU in a transfer over WebSocket (20–28 %); libsodium seals and opens the same
 * messages about three times as fast. The handshake's X25519, HKDF and SHA-256
 * stay noise's own: they run once per connection.
 */
import { pureJsCrypto } from '@chainsafe/libp2p-noise'
import sodium from 'libsodium-wrappers'
import type { ICryptoInterface } from '@chainsafe/libp2p-noise'
import type { Uint8ArrayList } from 'uint8arraylist'

type Bytes = Uint8Array | Uint8ArrayList

export interface NoiseCrypto {
  crypto: ICryptoInterface
  /** Which cipher runs, in words for the Node screen. */
  cipher: string
}

/**
 * Noise's crypto with libsodium's ChaCha20-Poly1305 once its WebAssembly is
 * compiled; noise's pure JavaScript where WebAssembly cannot run (disabled, or a
 * policy that refuses it), so the node works either way, only slower.
 */
export async function loadNoiseCrypto (): Promise<NoiseCrypto> {
  try {
    await sodium.ready
  } catch (err) {
    return { crypto: pureJsCrypto, cipher: `ChaCha20-Poly1305 in JavaScript, about a third as fast: WebAssembly did not run here (${(err as Error).message})` }
  }
  return { crypto: libsodiumCrypto(), cipher: 'ChaCha20-Poly1305 in WebAssembly (libsodium)' }
}

function libsodiumCrypto (): ICryptoInterface {
  return {
    ...pureJsCrypto,
    chaCha20Poly1305Encrypt (plaintext: Bytes, nonce: Uint8Array, ad: Uint8Array, k: Uint8Array): Uint8Array {
      return sodium.crypto_aead_chacha20poly1305_ietf_encrypt(plaintext.subarray(), ad, null, nonce, k)
    },
    chaCha20Poly1305Decrypt (ciphertext: Bytes, nonce: Uint8Array, ad: Uint8Array, k: Uint8Array): Uint8Array {
      return sodium.crypto_aead_chacha20poly1305_ietf_decrypt(null, ciphertext.subarray(), ad, nonce, k)
    }
  }
}
