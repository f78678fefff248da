/** What the Files list shows of a DAG known only by its root: file or folder, and its size. */
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import toBuffer from 'it-to-buffer'
import type { FileEntry } from '../lib/protocol.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

export interface RootSummary {
  kind: FileEntry['kind']
  /** A file's bytes; a folder's DAG bytes as its links declare them; any other block's own bytes. */
  size: number
}

export async function rootSummary (root: CID, store: { get: (cid: CID, options?: AbortOptions & { offline?: boolean }) => AsyncIterable<Uint8Array> | Iterable<Uint8Array> }, options: AbortOptions = {}): Promise<RootSummary> {
  const block = await toBuffer(store.get(root, { ...options, offline: true }))
  if (root.code !== dagPb.code) return { kind: 'file', size: block.byteLength }
  const node = dagPb.decode(block)
  const unixfs = node.Data == null ? undefined : UnixFS.unmarshal(node.Data)
  if (unixfs?.isDirectory() === true) return { kind: 'directory', size: node.Links.reduce((sum, link) => sum + (link.Tsize ?? 0), 0) }
  return { kind: 'file', size: unixfs == null ? block.byteLength : Number(unixfs.fileSize()) }
}
