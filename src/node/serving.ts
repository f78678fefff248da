/**
 * What this node serves to others: for each file of the library, which peers
 * fetched blocks of it (over which transport, direct or relayed), how many of
 * its bytes and how fast now; and the blocks moved in and out since the node
 * started. Blocks leave by bitswap and by the trustless gateway over libp2p
 * (car-server.ts, which reports its own); they arrive by bitswap and by the
 * fetcher's CAR streams.
 *
 * A block is attributed to the files whose DAG holds it, from an index of the
 * library's DAGs built from the local blockstore when first needed after the
 * library changed. A file's bytes are its content bytes: raw leaves whole and
 * the data of dag-pb nodes, so a file served whole counts its size exactly.
 */
import { UnixFS } from 'ipfs-unixfs'
import toBuffer from 'it-to-buffer'
import * as dagPb from '@ipld/dag-pb'
import { base64 } from 'multiformats/bases/base64'
import * as raw from 'multiformats/codecs/raw'
import { CID } from 'multiformats/cid'
import { isRelayed, transportName } from '../lib/transport-name.ts'
import { blockLinks } from './dag-links.ts'
import type { FileEntry, ServedFile, ServedPeer, ServingReport } from '../lib/protocol.ts'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'

/** Speeds are measured over this window. */
export const DEFAULT_SPEED_WINDOW_MS = 3000
/** The UI is told of changes at most this often. */
export const DEFAULT_REPORT_INTERVAL_MS = 500
/** At most this many blocks are indexed per file: beyond, the file's later blocks count as other content. */
const MAX_INDEXED_BLOCKS_PER_FILE = 1_000_000

export interface ServingComponents {
  libp2p: Pick<Libp2p, 'getConnections'>
  /** The local blockstore, never the network. */
  blockstore: Pick<Blockstore, 'get'>
  files: () => Promise<FileEntry[]>
  onChange: () => void
}

/** A block that went out: its multihash (base64, as bitswap keys it) or CID, and its bytes. */
export interface ServedBlock {
  key: string
  bytes: Uint8Array
}

interface Indexed {
  /** Roots of the library whose DAG holds the block. */
  roots: string[]
  code: number
}

interface PeerStats {
  peer: string
  bytes: number
  blocks: number
  last: number
  samples: Array<{ at: number, bytes: number }>
}

export function multihashKey (cid: CID): string {
  return base64.encode(cid.multihash.bytes)
}

/** The bytes of file content a block carries: a raw leaf whole, a dag-pb node's UnixFS data. */
export function contentBytes (code: number, block: Uint8Array): number {
  if (code === raw.code) return block.byteLength
  if (code !== dagPb.code) return 0
  try {
    const node = dagPb.decode(block)
    return node.Data == null ? 0 : (UnixFS.unmarshal(node.Data).data?.byteLength ?? 0)
  } catch {
    return 0
  }
}

export class ServingLog {
  private readonly started = Date.now()
  private sent = 0
  private received = 0
  private readonly byFile = new Map<string, Map<string, PeerStats>>()
  private index?: Promise<Map<string, Indexed>>
  private names = new Map<string, string>()
  private timer?: ReturnType<typeof setTimeout>

  constructor (private readonly components: ServingComponents) {}

  /** The library changed: the index is rebuilt when next needed. */
  invalidate (): void {
    this.index = undefined
  }

  /** Blocks sent to `peer` by bitswap, keyed by multihash. */
  async servedBlocks (peer: PeerId, blocks: ServedBlock[]): Promise<void> {
    const index = await this.indexed()
    for (const { key, bytes } of blocks) {
      this.sent += bytes.byteLength
      const entry = index.get(key)
      if (entry == null) continue
      const content = contentBytes(entry.code, bytes)
      for (const root of entry.roots) this.add(root, peer, content)
    }
    this.changed()
  }

  /** A block of the DAG under `root` sent over a trustless gateway response. */
  async servedCarBlock (peer: PeerId, root: CID, cid: CID, bytes: Uint8Array): Promise<void> {
    this.sent += bytes.byteLength
    const index = await this.indexed()
    // A request for a library file counts for that file; one for anything else, for the files holding the block.
    const roots = this.names.has(root.toString()) ? [root.toString()] : index.get(multihashKey(cid))?.roots ?? []
    const content = contentBytes(cid.code, bytes)
    for (const file of roots) this.add(file, peer, content)
    this.changed()
  }

  receivedBytes (bytes: number): void {
    this.received += bytes
    this.changed()
  }

  report (now = Date.now()): ServingReport {
    const files: ServedFile[] = []
    let serving = 0
    const activePeers = new Set<string>()
    for (const [root, peers] of this.byFile) {
      const served: ServedPeer[] = []
      for (const stats of peers.values()) {
        stats.samples = stats.samples.filter(sample => now - sample.at <= DEFAULT_SPEED_WINDOW_MS)
        const recent = stats.samples.reduce((sum, sample) => sum + sample.bytes, 0)
        const bytesPerSecond = recent / (DEFAULT_SPEED_WINDOW_MS / 1000)
        if (bytesPerSecond > 0) {
          activePeers.add(stats.peer)
          serving += bytesPerSecond
        }
        served.push({ peer: stats.peer, ...this.transportTo(stats.peer), bytes: stats.bytes, blocks: stats.blocks, bytesPerSecond, last: stats.last })
      }
      files.push({ root, name: this.names.get(root), peers: served.sort((a, b) => b.last - a.last) })
    }
    files.sort((a, b) => Math.max(...b.peers.map(p => p.last)) - Math.max(...a.peers.map(p => p.last)))
    return { since: this.started, sent: this.sent, received: this.received, files, activePeers: activePeers.size, bytesPerSecond: serving }
  }

  private add (root: string, peer: PeerId, content: number): void {
    const id = peer.toString()
    const peers = this.byFile.get(root) ?? new Map<string, PeerStats>()
    this.byFile.set(root, peers)
    const stats = peers.get(id) ?? { peer: id, bytes: 0, blocks: 0, last: 0, samples: [] }
    peers.set(id, stats)
    const now = Date.now()
    stats.bytes += content
    stats.blocks++
    stats.last = now
    stats.samples.push({ at: now, bytes: content })
  }

  /** How this node is connected to the peer now (the connection it served over is usually that one). */
  private transportTo (peer: string): Pick<ServedPeer, 'transport' | 'relayed'> {
    const connections = this.components.libp2p.getConnections().filter(conn => conn.remotePeer.toString() === peer && conn.status === 'open')
    const best = connections.find(conn => !isRelayed(conn)) ?? connections[0]
    return best == null ? { transport: 'disconnected', relayed: false } : { transport: transportName(best.remoteAddr.toString()).transport, relayed: isRelayed(best) }
  }

  /** Tells the UI, at most every DEFAULT_REPORT_INTERVAL_MS, and once more after the last change so speeds fall to 0. */
  private changed (): void {
    if (this.timer != null) return
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.components.onChange()
      const stillMoving = [...this.byFile.values()].some(peers => [...peers.values()].some(stats => Date.now() - stats.last <= DEFAULT_SPEED_WINDOW_MS))
      if (stillMoving) this.changed()
    }, DEFAULT_REPORT_INTERVAL_MS)
  }

  private async indexed (): Promise<Map<string, Indexed>> {
    this.index ??= this.buildIndex()
    return await this.index
  }

  /** Every block of every library file's DAG that is here, to the files holding it. */
  private async buildIndex (): Promise<Map<string, Indexed>> {
    const index = new Map<string, Indexed>()
    const files = await this.components.files().catch(() => [])
    this.names = new Map(files.map(entry => [entry.cid, entry.name]))
    for (const entry of files) {
      const root = CID.parse(entry.cid)
      const queue = [root]
      const seen = new Set<string>()
      while (queue.length > 0 && seen.size < MAX_INDEXED_BLOCKS_PER_FILE) {
        const cid = queue.pop()!
        const key = multihashKey(cid)
        if (seen.has(key)) continue
        seen.add(key)
        const indexed = index.get(key) ?? { roots: [], code: cid.code }
        if (!indexed.roots.includes(entry.cid)) indexed.roots.push(entry.cid)
        index.set(key, indexed)
        // Raw leaves have no links: only dag-pb nodes are read.
        if (cid.code !== dagPb.code) continue
        try {
          const links = blockLinks(cid, await toBuffer(this.components.blockstore.get(cid)))
          queue.push(...(links?.cids ?? []))
        } catch {}
      }
    }
    return index
  }
}
