/** What one block says about the DAG below it: its children and the bytes they declare. */
import * as dagPb from '@ipld/dag-pb'
import * as raw from 'multiformats/codecs/raw'
import type { CID } from 'multiformats/cid'

export interface BlockLinks {
  cids: CID[]
  /** Each link's Tsize: the bytes of the blocks below it, as declared. */
  sizes: Array<number | undefined>
  /** Bytes of this block and of every block below it, as its links' Tsize declare them. */
  size: number
}

/** The links of a dag-pb block (none for raw blocks) and the DAG size they declare; undefined for other codecs. */
export function blockLinks (cid: CID, block: Uint8Array): BlockLinks | undefined {
  if (cid.code === raw.code) return { cids: [], sizes: [], size: block.byteLength }
  if (cid.code !== dagPb.code) return undefined
  const node = dagPb.decode(block)
  return {
    cids: node.Links.map(link => link.Hash),
    sizes: node.Links.map(link => link.Tsize),
    size: block.byteLength + node.Links.reduce((sum, link) => sum + (link.Tsize ?? 0), 0)
  }
}
