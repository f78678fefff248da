/**
 * Plain CBOR (multicodec `cbor`, 0x51): blocks of it link to nothing (a tag 42
 * in them is data, not a CID). Helia knows dag-pb, raw, dag-cbor, dag-json and
 * json only, and cannot pin or walk a DAG holding a CBOR block without it.
 */
import * as cborg from 'cborg'
import type { BlockCodec } from 'multiformats/codecs/interface'

/** Tag 42 (a CID in dag-cbor) read as the bytes it wraps. */
const TAGS: cborg.TagDecoder[] = []
TAGS[42] = decode => decode()

export const cbor: BlockCodec<0x51, unknown> = {
  name: 'cbor',
  code: 0x51,
  encode: value => cborg.encode(value),
  decode: bytes => cborg.decode(bytes as Uint8Array, { tags: TAGS })
}
