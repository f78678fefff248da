/**
 * The Sharing view's record of what bitswap served, between two real Helia
 * nodes: it must find bitswap where Pollen looks for it (bitswap-traffic.ts),
 * and attribute each block to the library file whose DAG holds it.
 */
import { importer } from 'ipfs-unixfs-importer'
import { afterEach, describe, expect, it } from 'vitest'
import { watchBitswapTraffic } from '../../src/node/bitswap-traffic.ts'
import { ServingLog, contentBytes } from '../../src/node/serving.ts'
import { blockLinks } from '../../src/node/dag-links.ts'
import { blockBytes, connect, startBitswapPeer, waitFor, type BitswapPeer } from './helpers/bitswap-peers.ts'
import type { FileEntry } from '../../src/lib/protocol.ts'
import type { CID } from 'multiformats/cid'

const peers: BitswapPeer[] = []
afterEach(async () => {
  await Promise.all(peers.splice(0).map(async p => { await p.stop() }))
})

async function importFile (peer: BitswapPeer, bytes: Uint8Array): Promise<CID> {
  let root: CID | undefined
  for await (const entry of importer([{ content: bytes }], peer.blockstore, { profile: 'unixfs-v1-2025', cidVersion: 1, rawLeaves: true })) root = entry.cid
  return root!
}

function entry (cid: CID, name: string): FileEntry {
  return { id: name, name, cid: cid.toString(), kind: 'file', size: 0, files: 1, added: 0, pinned: true } as unknown as FileEntry
}

describe('what this node serves', () => {
  it('counts each file\'s bytes per peer as bitswap sends them, and every block in and out', async () => {
    const sharer = await startBitswapPeer()
    const fetcher = await startBitswapPeer()
    peers.push(sharer, fetcher)
    // Leaves of different bytes: equal leaves would be one block, sent once.
    const file = new Uint8Array(2.5 * 1024 * 1024)
    file.set(blockBytes(1), 0)
    file.set(blockBytes(2), 1024 * 1024)
    file.set(blockBytes(3, 512 * 1024), 2 * 1024 * 1024)
    const root = await importFile(sharer, file)
    const unlisted = await sharer.add(blockBytes(9, 4096))
    let changes = 0
    const log = new ServingLog({ libp2p: sharer.libp2p, blockstore: sharer.blockstore, files: async () => [entry(root, 'shared.bin')], onChange: () => { changes++ } })
    let received = 0
    expect(watchBitswapTraffic(sharer.helia, { sent: (peer, blocks) => { void log.servedBlocks(peer, blocks) }, received: bytes => { log.receivedBytes(bytes) } })).toBe(true)
    expect(watchBitswapTraffic(fetcher.helia, { sent: () => {}, received: bytes => { received += bytes } })).toBe(true)
    await connect(fetcher, sharer)

    const rootBlock = await fetcher.bitswap.want(root, { signal: AbortSignal.timeout(30_000) })
    const leaves = blockLinks(root, rootBlock)!.cids
    const leafBlocks = await Promise.all(leaves.map(async cid => await fetcher.bitswap.want(cid, { signal: AbortSignal.timeout(30_000) })))
    await fetcher.bitswap.want(unlisted, { signal: AbortSignal.timeout(30_000) })
    const wire = rootBlock.byteLength + leafBlocks.reduce((sum, block) => sum + block.byteLength, 0) + 4096

    await waitFor(() => log.report().files[0]?.peers[0]?.blocks === leaves.length + 1, 'the sharer to count every block of the file')
    const report = log.report()
    expect(report.files).toHaveLength(1)
    const [served] = report.files
    expect(served).toMatchObject({ root: root.toString(), name: 'shared.bin' })
    expect(served.peers).toHaveLength(1)
    expect(served.peers[0]).toMatchObject({ peer: fetcher.libp2p.peerId.toString(), bytes: file.byteLength, relayed: false })
    expect(served.peers[0].transport).not.toBe('disconnected')
    expect(served.peers[0].bytesPerSecond).toBeGreaterThan(0)
    // Every block counts in the totals, the one no file holds too.
    await waitFor(() => log.report().sent === wire && received === wire, 'both ends to count every block')
    await waitFor(() => changes > 0, 'the UI to be told')
  }, 60_000)

  it('counts a file\'s content bytes: raw leaves whole, the data of dag-pb nodes, nothing of their links', () => {
    expect(contentBytes(0x55, new Uint8Array(1000))).toBe(1000)
    expect(contentBytes(0x71, new Uint8Array(10))).toBe(0)
    expect(contentBytes(0x70, new Uint8Array([1, 2, 3]))).toBe(0)
  })
})
