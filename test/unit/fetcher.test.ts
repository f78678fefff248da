import * as dagPb from '@ipld/dag-pb'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { MemoryDatastore } from 'datastore-core'
import { importer } from 'ipfs-unixfs-importer'
import toBuffer from 'it-to-buffer'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it, vi } from 'vitest'
import { DEFAULT_QUOTA_RESERVE_BYTES, Fetcher } from '../../src/node/fetcher.ts'
import { sharerAddrs } from '../../src/node/sharer-dial.ts'
import { UnfinishedFetches } from '../../src/node/unfinished-fetches.ts'
import type { FetchArgs, FetchSummary } from '../../src/lib/protocol.ts'
import type { PollenHelia } from '../../src/node/create-node.ts'
import type { ContentReader } from '../../src/node/content.ts'
import { pseudoRandomBytes } from '../e2e/helpers/content.ts'

const MiB = 1024 * 1024
const SELF = '12D3KooWGC6TvWhfapngX6wvJHMYvKpDMXPb3ZnCZ6dMoaMtimQ5'
const SHARER = '12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK'

/** Blocks "on the network": a get of one not yet stored records the request and stores it. */
class FakeNetwork {
  readonly blocks = new Map<string, Uint8Array>()
  readonly stored = new Set<string>()
  readonly requested: string[] = []
  readonly dialled: string[][] = []
  /** Blocks the "disk" refuses to store, as IndexedDB does when it is full. */
  readonly full = new Set<string>()
  /** Blocks nobody sends: asking for one waits until the fetch ends. */
  readonly held = new Set<string>()
  readonly unfinished = new UnfinishedFetches({ datastore: new MemoryDatastore(), blocks: this.local(), onChange: () => {} })

  /** The "disk" alone, as the node's own blockstore. */
  local (): { has: (cid: CID) => Promise<boolean>, get: (cid: CID) => AsyncGenerator<Uint8Array> } {
    const net = this
    return {
      has: async cid => net.stored.has(cid.toString()),
      async * get (cid) {
        if (!net.stored.has(cid.toString())) throw Object.assign(new Error(`no block ${cid}`), { name: 'NotFoundError' })
        yield net.blocks.get(cid.toString())!
      }
    }
  }

  helia (): PollenHelia {
    const net = this
    const helia = {
      libp2p: {
        peerId: { toString: () => SELF },
        getConnections: () => [],
        addEventListener: () => {},
        removeEventListener: () => {},
        dial: async (addrs: unknown[]) => { net.dialled.push(addrs.map(String)); throw new Error('connection refused') }
      },
      blockstore: {
        has: async (cid: CID) => net.stored.has(cid.toString()),
        async * get (cid: CID, options: { signal?: AbortSignal, onProgress?: (event: { type: string, detail: unknown }) => void } = {}) {
          const key = cid.toString()
          const local = net.stored.has(key)
          options.onProgress?.({ type: local ? 'blocks:get:blockstore:get' : 'bitswap:want-block', detail: {} })
          if (!local && net.held.has(key)) {
            await new Promise((_resolve, reject) => { options.signal?.addEventListener('abort', () => { reject(options.signal?.reason) }) })
          }
          const block = net.blocks.get(key)
          if (block == null) throw Object.assign(new Error(`no block ${key}`), { name: 'NotFoundError' })
          if (!local && net.full.has(key)) throw Object.assign(new Error('Failed to put: QuotaExceededError'), { name: 'PutFailedError' })
          if (!local) { net.requested.push(key); net.stored.add(key) }
          yield block
        },
        // A session of the network as a whole: its gets are the store's (as a test may replace them).
        createSession: () => ({ get: (cid: CID, options?: unknown) => helia.blockstore.get(cid, options as never), close: () => {} })
      }
    }
    return helia as unknown as PollenHelia
  }
}

async function importFile (net: FakeNetwork, bytes: Uint8Array): Promise<{ root: CID, dagSize: number }> {
  let dagSize = 0
  const store = new MemoryBlockstore()
  const put = store.put.bind(store)
  store.put = async (cid, block, options) => {
    const data = block instanceof Uint8Array ? block : await toBuffer(block as AsyncIterable<Uint8Array>)
    if (!net.blocks.has(cid.toString())) dagSize += data.byteLength
    net.blocks.set(cid.toString(), data)
    return await put(cid, data, options)
  }
  let root: CID | undefined
  for await (const entry of importer([{ content: bytes }], store, { profile: 'unixfs-v1-2025', cidVersion: 1, rawLeaves: true })) root = entry.cid
  return { root: root!, dagSize }
}

function fetcher (net: FakeNetwork, available = Number.POSITIVE_INFINITY, collectGarbage?: () => Promise<void>): Fetcher {
  return new Fetcher({ helia: net.helia(), content: {} as ContentReader, bootstrap: [], fetchTimeoutMs: 5000, storageAvailable: async () => available, collectGarbage, unfinished: net.unfinished })
}

async function run (f: Fetcher, args: FetchArgs): Promise<FetchSummary> {
  return await f.fetch(args, new AbortController().signal, () => {})
}

describe('the fetcher keeps to what the person agreed to', () => {
  it('dials at most 8 of a link\'s addresses and reports the ones it ignored', async () => {
    const addrs = Array.from({ length: 12 }, (_, i) => `/ip4/127.0.0.1/tcp/${4000 + i}/ws/p2p/${SHARER}`)
    expect(sharerAddrs(addrs).map(String)).toEqual(addrs.slice(0, 8))
    // Addresses past the cap are not even read: a broken ninth one does not fail the link.
    expect(sharerAddrs([...addrs.slice(0, 8), 'not a multiaddr']).length).toBe(8)

    const net = new FakeNetwork()
    const { root, dagSize } = await importFile(net, pseudoRandomBytes(10_000, 1))
    const summary = await run(fetcher(net), { path: `/ipfs/${root}`, providers: addrs, maxBytes: dagSize, limitFrom: 'link' })
    expect(net.dialled.flat()).toEqual(addrs.slice(0, 8))
    expect(summary.sharer).toMatchObject({ peer: SHARER, reached: false, ignoredAddrs: 4 })
  })

  it('fetches a DAG of exactly the agreed size', async () => {
    const net = new FakeNetwork()
    const { root, dagSize } = await importFile(net, pseudoRandomBytes(3 * MiB + 5, 2))
    const summary = await run(fetcher(net), { path: `/ipfs/${root}`, maxBytes: dagSize, limitFrom: 'link' })
    expect(summary.bytes).toBe(dagSize)
    expect(summary.totalBytes).toBe(dagSize)
  })

  it('stops at the root when the DAG declares more than the link announced, fetching no leaf', async () => {
    const net = new FakeNetwork()
    const { root, dagSize } = await importFile(net, pseudoRandomBytes(3 * MiB + 5, 3))
    const fetch = run(fetcher(net), { path: `/ipfs/${root}`, maxBytes: dagSize - 1, limitFrom: 'link' })
    await expect(fetch).rejects.toMatchObject({ name: 'SizeLimitError' })
    await expect(fetch).rejects.toThrow(/larger than its link announced: it holds 3\.00 MiB .* ask the sharer for a new link\. Your files are untouched/)
    expect(net.requested).toEqual([root.toString()])
    // A refused fetch is not kept for resuming.
    expect(await net.unfinished.list()).toEqual([])
  })

  it('says to raise the limit the person set', async () => {
    const net = new FakeNetwork()
    const { root } = await importFile(net, pseudoRandomBytes(3 * MiB, 4))
    await expect(run(fetcher(net), { path: `/ipfs/${root}`, maxBytes: MiB, limitFrom: 'person' }))
      .rejects.toThrow(/larger than the 1\.00 MiB limit you set: .* open the link again and set a higher limit/)
  })

  it('counts the blocks themselves when the root understates what is below it', async () => {
    const net = new FakeNetwork()
    const leaves = await Promise.all([1, 2, 3].map(async seed => {
      const bytes = pseudoRandomBytes(MiB, 10 + seed)
      const cid = CID.createV1(raw.code, await sha256.digest(bytes))
      net.blocks.set(cid.toString(), bytes)
      return cid
    }))
    // Each link claims one byte.
    const rootBlock = dagPb.encode(dagPb.prepare({ Links: leaves.map(cid => ({ Hash: cid, Tsize: 1 })) }))
    const root = CID.createV1(dagPb.code, await sha256.digest(rootBlock))
    net.blocks.set(root.toString(), rootBlock)
    const fetch = run(fetcher(net), { path: `/ipfs/${root}`, maxBytes: 2 * MiB, limitFrom: 'link' })
    await expect(fetch).rejects.toMatchObject({ name: 'SizeLimitError' })
    await expect(fetch).rejects.toThrow(/turned out to hold more than it declared/)
  })

  it('stops before the quota, and does not count blocks already here against it', async () => {
    const net = new FakeNetwork()
    const { root, dagSize } = await importFile(net, pseudoRandomBytes(3 * MiB, 5))
    const tight = fetcher(net, DEFAULT_QUOTA_RESERVE_BYTES + MiB)
    // A limit of the person's own, larger than the room: the root's declared size stops the walk.
    const fetch = run(tight, { path: `/ipfs/${root}`, maxBytes: 10 * MiB, limitFrom: 'person' })
    await expect(fetch).rejects.toMatchObject({ name: 'QuotaExceededError' })
    await expect(fetch).rejects.toThrow(/Not enough storage for .*: it holds 3\.00 MiB and this browser lets Pollen store about 1\.00 MiB more.*Collect garbage/)
    expect(net.requested).toEqual([root.toString()])

    // A link announcing more than fits is refused before anything is dialled or fetched.
    const fresh = new FakeNetwork()
    const other = await importFile(fresh, pseudoRandomBytes(3 * MiB, 7))
    const announced = run(fetcher(fresh, DEFAULT_QUOTA_RESERVE_BYTES + MiB), { path: `/ipfs/${other.root}`, providers: [`/ip4/127.0.0.1/tcp/1/ws/p2p/${SHARER}`], maxBytes: other.dagSize, limitFrom: 'link' })
    await expect(announced).rejects.toThrow(/Not enough storage for .*: its link announces 3\.00 MiB and this browser lets Pollen store about 1\.00 MiB more, so nothing was fetched/)
    expect(fresh.dialled).toEqual([])
    expect(fresh.requested).toEqual([])

    // Once every block is here, the same fetch stores nothing new and succeeds.
    for (const cid of net.blocks.keys()) net.stored.add(cid)
    const summary = await run(tight, { path: `/ipfs/${root}`, maxBytes: dagSize, limitFrom: 'link' })
    expect(summary.localBlocks).toBe(summary.blocks)
  })

  it('stops when the browser refuses a write for want of space, and gives the space back', async () => {
    const net = new FakeNetwork()
    const { root, dagSize } = await importFile(net, pseudoRandomBytes(3 * MiB, 8))
    // The estimate promised room, the disk has none for the leaves.
    for (const cid of net.blocks.keys()) if (cid !== root.toString()) net.full.add(cid)
    let collected = 0
    const fetch = run(fetcher(net, Number.POSITIVE_INFINITY, async () => { collected++ }), { path: `/ipfs/${root}`, maxBytes: dagSize, limitFrom: 'link' })
    await expect(fetch).rejects.toMatchObject({ name: 'QuotaExceededError' })
    await expect(fetch).rejects.toThrow(/^Storage is full: the browser refused to store more of .*"Collect garbage".* Your files are untouched\.$/)
    expect(collected).toBe(1)
    expect(await net.unfinished.list()).toEqual([])
  })

  it('refuses a fetch without a limit before dialling anyone', async () => {
    const net = new FakeNetwork()
    const { root } = await importFile(net, pseudoRandomBytes(100, 6))
    const args = { path: `/ipfs/${root}`, providers: [`/ip4/127.0.0.1/tcp/1/ws/p2p/${SHARER}`] } as unknown as FetchArgs
    await expect(run(fetcher(net), args)).rejects.toMatchObject({ name: 'SizeLimitError' })
    expect(net.dialled).toEqual([])
    expect(net.requested).toEqual([])
  })

  it('reports the longest any one block waited, from asking for it to having it', async () => {
    const net = new FakeNetwork()
    const { root, dagSize } = await importFile(net, pseudoRandomBytes(3 * MiB, 9))
    const slow = [...net.blocks.keys()].find(key => key !== root.toString())
    const helia = net.helia()
    const get = helia.blockstore.get.bind(helia.blockstore) as (cid: CID, options?: unknown) => AsyncGenerator<Uint8Array>
    helia.blockstore.get = (async function * (cid: CID, options?: unknown) {
      if (cid.toString() === slow) await new Promise(resolve => setTimeout(resolve, 300))
      yield * get(cid, options)
    }) as unknown as typeof helia.blockstore.get
    const f = new Fetcher({ helia, content: {} as ContentReader, bootstrap: [], fetchTimeoutMs: 5000, storageAvailable: async () => Number.POSITIVE_INFINITY, unfinished: net.unfinished })
    const summary = await run(f, { path: `/ipfs/${root}`, maxBytes: dagSize, limitFrom: 'link' })
    // The delayed block is the longest wait: at least its delay (timers never fire more than a millisecond early).
    expect(summary.longestBlockWaitMs).toBeGreaterThanOrEqual(290)
  })
})

describe('a fetch that stopped before the end', () => {
  it('keeps what it stored, and the next fetch asks only for the missing blocks', async () => {
    const net = new FakeNetwork()
    const { root, dagSize } = await importFile(net, pseudoRandomBytes(6 * MiB, 20))
    const leaves = [...net.blocks.keys()].filter(cid => cid !== root.toString())
    expect(leaves.length).toBe(6)
    for (const cid of leaves.slice(3)) net.held.add(cid)
    const f = fetcher(net)
    const args: FetchArgs = { path: `/ipfs/${root}`, maxBytes: dagSize, limitFrom: 'link', name: 'six.bin', providers: [] }
    const cancel = new AbortController()
    const first = f.fetch(args, cancel.signal, () => {})
    await vi.waitFor(() => { expect(net.requested.length).toBe(4) })
    expect(await net.unfinished.list()).toMatchObject([{ cid: root.toString(), running: true }])
    cancel.abort()
    await expect(first).rejects.toThrow()

    const [kept] = await net.unfinished.list()
    const rootBytes = net.blocks.get(root.toString())!.byteLength
    expect(kept).toMatchObject({ cid: root.toString(), name: 'six.bin', blocks: 4, bytes: rootBytes + 3 * MiB, totalBytes: dagSize, maxBytes: dagSize, limitFrom: 'link', running: false })

    net.held.clear()
    const progress: Array<{ localBlocks?: number }> = []
    const summary = await f.fetch(args, new AbortController().signal, event => { if (event.type === 'fetch:progress') progress.push(event) })
    expect(summary).toMatchObject({ blocks: 7, bytes: dagSize, localBlocks: 4, localBytes: kept.bytes })
    expect(net.requested.slice(4).sort()).toEqual(leaves.slice(3).sort())
    expect(progress.at(-1)?.localBlocks).toBe(4)
    // Finished: nothing is kept for resuming any more.
    expect(await net.unfinished.list()).toEqual([])
  })

  it('needs room for the missing part only, and says how much is here when even that does not fit', async () => {
    const net = new FakeNetwork()
    const { root, dagSize } = await importFile(net, pseudoRandomBytes(4 * MiB, 21))
    const leaves = [...net.blocks.keys()].filter(cid => cid !== root.toString())
    for (const cid of [root.toString(), leaves[0]]) net.stored.add(cid)
    const args: FetchArgs = { path: `/ipfs/${root}`, providers: [`/ip4/127.0.0.1/tcp/1/ws/p2p/${SHARER}`], maxBytes: dagSize, limitFrom: 'link' }

    const tight = run(fetcher(net, DEFAULT_QUOTA_RESERVE_BYTES + 2 * MiB), args)
    await expect(tight).rejects.toThrow(/Not enough storage for .*: its link announces 4\.00 MiB \(1\.00 MiB of it here already\) and this browser lets Pollen store about 2\.00 MiB more, so nothing was fetched/)
    expect(net.dialled).toEqual([])
    expect(net.requested).toEqual([])

    const summary = await run(fetcher(net, DEFAULT_QUOTA_RESERVE_BYTES + 3.5 * MiB), args)
    expect(summary).toMatchObject({ blocks: 5, localBlocks: 2 })
    expect(net.requested.sort()).toEqual(leaves.slice(1).sort())
  })

  it('is not listed when nothing of it arrived', async () => {
    const net = new FakeNetwork()
    const { root, dagSize } = await importFile(net, pseudoRandomBytes(MiB + 1, 22))
    net.held.add(root.toString())
    const cancel = new AbortController()
    const fetch = fetcher(net).fetch({ path: `/ipfs/${root}`, maxBytes: dagSize, limitFrom: 'link' }, cancel.signal, () => {})
    await vi.waitFor(async () => { expect(await net.unfinished.list()).toHaveLength(1) })
    cancel.abort()
    await expect(fetch).rejects.toThrow()
    expect(await net.unfinished.list()).toEqual([])
  })
})
