// fake-indexeddb stands in for the browser's IndexedDB: Node has none. It
// installs a complete in-memory implementation (indexedDB, IDBDatabase,
// IDBTransaction, ...) on globalThis, and must be imported before anything that
// touches IndexedDB. Imported here only, so no other test sees these globals.
import 'fake-indexeddb/auto'
import './helpers/with-resolvers.ts'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { BatchingIdbBlockstore, DEFAULT_MAX_BATCH } from '../../src/node/idb-blockstore.ts'

const DAG_PB = 0x70

afterEach(() => {
  vi.restoreAllMocks()
})

let dbCounter = 0
/** A database name no other test uses. */
function freshName (): string {
  return `idb-blockstore-test-${++dbCounter}-${Math.random().toString(36).slice(2)}`
}

interface Block { cid: CID, bytes: Uint8Array }

async function randomBlock (size = 256): Promise<Block> {
  const bytes = crypto.getRandomValues(new Uint8Array(size))
  return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes }
}

async function randomBlocks (n: number, size?: number): Promise<Block[]> {
  return await Promise.all(Array.from({ length: n }, async () => await randomBlock(size)))
}

async function collect (source: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const part of source) parts.push(part)
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let offset = 0
  for (const part of parts) { out.set(part, offset); offset += part.byteLength }
  return out
}

async function read (store: BatchingIdbBlockstore, cid: CID): Promise<Uint8Array> {
  return await collect(store.get(cid))
}

async function openStore (name = freshName(), maxBatch?: number): Promise<BatchingIdbBlockstore> {
  const store = new BatchingIdbBlockstore(name, maxBatch)
  await store.open()
  return store
}

/** Records the mode of every transaction any fake-indexeddb database opens from now on. */
function spyOnTransactions (): { readwrite: () => number } {
  const spy = vi.spyOn(IDBDatabase.prototype, 'transaction')
  return { readwrite: () => spy.mock.calls.filter(call => call[1] === 'readwrite').length }
}

/** Lets already-started put() calls reach the write queue, without letting any timer run. */
async function drainMicrotasks (): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve()
}

function settledState (promise: Promise<unknown>): { settled: () => boolean } {
  let settled = false
  promise.then(() => { settled = true }, () => { settled = true })
  return { settled: () => settled }
}

describe('BatchingIdbBlockstore: batched puts', () => {
  it('resolves 100 concurrent puts of distinct blocks, all readable afterwards with identical bytes', async () => {
    const store = await openStore()
    const blocks = await randomBlocks(100)

    const results = await Promise.all(blocks.map(async b => await store.put(b.cid, b.bytes)))

    expect(results.map(String)).toEqual(blocks.map(b => b.cid.toString()))
    for (const b of blocks) {
      expect(await store.has(b.cid)).toBe(true)
      expect(await read(store, b.cid)).toEqual(b.bytes)
    }
    expect(await store.count()).toBe(100)
    await store.close()
  })

  it('commits 100 concurrent puts in at most ceil(100 / DEFAULT_MAX_BATCH) readwrite transactions', async () => {
    const store = await openStore()
    const blocks = await randomBlocks(100)
    const transactions = spyOnTransactions()

    await Promise.all(blocks.map(async b => await store.put(b.cid, b.bytes)))

    // One transaction per put would be 100.
    expect(transactions.readwrite()).toBeGreaterThanOrEqual(1)
    expect(transactions.readwrite()).toBeLessThanOrEqual(Math.ceil(100 / DEFAULT_MAX_BATCH))
    expect(await store.count()).toBe(100)
    await store.close()
  })

  it('with maxBatch 4, splits 10 concurrent puts into 3 transactions and stores all of them', async () => {
    const store = await openStore(freshName(), 4)
    const blocks = await randomBlocks(10)
    const transactions = spyOnTransactions()

    await Promise.all(blocks.map(async b => await store.put(b.cid, b.bytes)))

    expect(transactions.readwrite()).toBe(3) // 4 + 4 + 2
    for (const b of blocks) expect(await read(store, b.cid)).toEqual(b.bytes)
    expect(await store.count()).toBe(10)
    await store.close()
  })

  it('commits a put made alone, with nothing else arriving, after its timer', async () => {
    const store = await openStore()
    const [b] = await randomBlocks(1)
    const transactions = spyOnTransactions()

    await store.put(b.cid, b.bytes)

    expect(transactions.readwrite()).toBe(1)
    expect(await read(store, b.cid)).toEqual(b.bytes)
    await store.close()
  })

  it('concatenates a value given as an async iterable of parts', async () => {
    const store = await openStore()
    const parts = [new Uint8Array([1, 2, 3]), new Uint8Array([4]), new Uint8Array([5, 6])]
    const bytes = new Uint8Array([1, 2, 3, 4, 5, 6])
    const cid = CID.createV1(raw.code, await sha256.digest(bytes))

    await store.put(cid, (async function * () { yield * parts })())

    expect(await read(store, cid)).toEqual(bytes)
    await store.close()
  })

  it('stores a block that is a view into a larger buffer (a message of several blocks) as its own bytes, and one that nearly fills its buffer as it is', async () => {
    const store = await openStore()
    const message = new Uint8Array(256 * 1024).map((_, i) => (i * 31 + 7) % 251)
    const bytes = message.subarray(1000, 1000 + 64 * 1024)
    const cid = CID.createV1(raw.code, await sha256.digest(bytes))

    await store.put(cid, bytes)

    const stored: Uint8Array[] = []
    for await (const part of store.get(cid)) stored.push(part)
    expect(stored).toHaveLength(1)
    // Structured cloning a view clones its whole buffer: the message, four times the block.
    expect(stored[0].buffer.byteLength).toBe(bytes.byteLength)
    expect(stored[0]).toEqual(bytes)

    // A block with a few bytes of framing around it (a message of one block) is not copied for them.
    const framed = message.subarray(16)
    const framedCid = CID.createV1(raw.code, await sha256.digest(framed))
    await store.put(framedCid, framed)
    for await (const part of store.get(framedCid)) {
      expect(part.buffer.byteLength).toBe(message.byteLength)
      expect(part).toEqual(framed)
    }
    await store.close()
  })

  it('rejects a put with an already-aborted signal and stores nothing', async () => {
    const store = await openStore()
    const [b] = await randomBlocks(1)
    const controller = new AbortController()
    controller.abort()

    await expect(store.put(b.cid, b.bytes, { signal: controller.signal })).rejects.toHaveProperty('name', 'AbortError')

    expect(await store.has(b.cid)).toBe(false)
    expect(await store.count()).toBe(0)
    await store.close()
  })
})

describe('BatchingIdbBlockstore: pending writes', () => {
  it('has() and get() see a block while its put is still pending (queued, not yet committed)', async () => {
    const store = await openStore()
    const [b] = await randomBlocks(1)
    const transactions = spyOnTransactions()

    const put = store.put(b.cid, b.bytes)
    const state = settledState(put)
    await drainMicrotasks() // put() has queued the write; its flush timer has not run

    expect(state.settled()).toBe(false)
    expect(transactions.readwrite()).toBe(0)
    expect(await store.has(b.cid)).toBe(true)
    expect(await read(store, b.cid)).toEqual(b.bytes)
    expect(state.settled()).toBe(false)

    await put
    expect(await store.has(b.cid)).toBe(true)
    expect(await read(store, b.cid)).toEqual(b.bytes)
    await store.close()
  })

  // KNOWN BUG in src/node/idb-blockstore.ts: put() registers the write in
  // `pending` only after `await toBytes(value)`, so a has() made in the same tick
  // as the put() finds neither the pending write nor the (not yet committed)
  // stored block, and answers false. Expected to fail until that is fixed; then
  // turn `it.fails` into `it`.
  it('has() is true for a block whose put() was called in the same tick (known bug: it is false)', async () => {
    const store = await openStore()
    const [b] = await randomBlocks(1)
    try {
      const put = store.put(b.cid, b.bytes)
      const has = store.has(b.cid) // before awaiting the put
      expect(await has).toBe(true)
      await put
    } finally {
      await store.close()
    }
  })

  it('has() is false for an unknown CID', async () => {
    const store = await openStore()
    const [stored, unknown] = await randomBlocks(2)
    await store.put(stored.cid, stored.bytes)

    expect(await store.has(unknown.cid)).toBe(false)
    await store.close()
  })

  it('get() of an unknown CID throws an error named NotFoundError', async () => {
    const store = await openStore()
    const [stored, unknown] = await randomBlocks(2)
    await store.put(stored.cid, stored.bytes)

    await expect(read(store, unknown.cid)).rejects.toHaveProperty('name', 'NotFoundError')
    await store.close()
  })

  it('resolves two concurrent puts of the same CID and stores the block once', async () => {
    const store = await openStore()
    const [b] = await randomBlocks(1)

    const [first, second] = await Promise.all([store.put(b.cid, b.bytes), store.put(b.cid, b.bytes)])

    expect(first.equals(b.cid)).toBe(true)
    expect(second.equals(b.cid)).toBe(true)
    expect(await store.count()).toBe(1)
    expect(await read(store, b.cid)).toEqual(b.bytes)
    await store.close()
  })

  it('resolves a second put of a CID whose first put is already queued, and stores it once', async () => {
    const store = await openStore()
    const [b] = await randomBlocks(1)

    const first = store.put(b.cid, b.bytes)
    await drainMicrotasks() // the first write is now pending
    const second = store.put(b.cid, b.bytes)

    expect((await first).equals(b.cid)).toBe(true)
    expect((await second).equals(b.cid)).toBe(true)
    expect(await store.count()).toBe(1)
    expect(await read(store, b.cid)).toEqual(b.bytes)
    await store.close()
  })
})

describe('BatchingIdbBlockstore: keys are multihashes', () => {
  it('finds a block put under a dag-pb CID through a raw CID (and a CIDv0) with the same multihash', async () => {
    const store = await openStore()
    const bytes = crypto.getRandomValues(new Uint8Array(100))
    const digest = await sha256.digest(bytes)
    const dagPbCid = CID.createV1(DAG_PB, digest)
    const rawCid = CID.createV1(raw.code, digest)
    const v0Cid = CID.createV0(digest)

    await store.put(dagPbCid, bytes)

    expect(await store.has(rawCid)).toBe(true)
    expect(await read(store, rawCid)).toEqual(bytes)
    expect(await read(store, v0Cid)).toEqual(bytes)
    expect(await store.count()).toBe(1)
    await store.close()
  })

  it('getAll() yields raw-codec CIDs whose multihashes are those put, with their bytes', async () => {
    const store = await openStore()
    const blocks = await randomBlocks(5)
    // Put some under dag-pb CIDs: getAll() only knows the multihash and reports raw.
    const put = blocks.map((b, i) => ({ ...b, cid: i % 2 === 0 ? CID.createV1(DAG_PB, b.cid.multihash) : b.cid }))
    await Promise.all(put.map(async b => await store.put(b.cid, b.bytes)))

    const seen = new Map<string, Uint8Array>()
    for await (const pair of store.getAll()) {
      expect(pair.cid.version).toBe(1)
      expect(pair.cid.code).toBe(raw.code)
      seen.set(pair.cid.toString(), await collect(pair.bytes))
    }

    expect(seen.size).toBe(5)
    for (const b of blocks) {
      const expected = CID.createV1(raw.code, b.cid.multihash).toString()
      expect(seen.get(expected)).toEqual(b.bytes)
    }
    await store.close()
  })

  it('getAll() yields nothing for an empty store', async () => {
    const store = await openStore()
    const pairs = []
    for await (const pair of store.getAll()) pairs.push(pair)
    expect(pairs).toEqual([])
    await store.close()
  })
})

describe('BatchingIdbBlockstore: delete and count', () => {
  it('count() counts the stored blocks', async () => {
    const store = await openStore()
    expect(await store.count()).toBe(0)

    const blocks = await randomBlocks(7)
    await Promise.all(blocks.map(async b => await store.put(b.cid, b.bytes)))
    expect(await store.count()).toBe(7)

    await store.put(blocks[0].cid, blocks[0].bytes) // again: same key
    expect(await store.count()).toBe(7)
    await store.close()
  })

  it('delete() removes the block and only that block', async () => {
    const store = await openStore()
    const [gone, kept] = await randomBlocks(2)
    await Promise.all([store.put(gone.cid, gone.bytes), store.put(kept.cid, kept.bytes)])

    await store.delete(gone.cid)

    expect(await store.has(gone.cid)).toBe(false)
    await expect(read(store, gone.cid)).rejects.toHaveProperty('name', 'NotFoundError')
    expect(await store.has(kept.cid)).toBe(true)
    expect(await read(store, kept.cid)).toEqual(kept.bytes)
    expect(await store.count()).toBe(1)
    await store.close()
  })

  it('delete() through a CID of another codec removes the block with that multihash', async () => {
    const store = await openStore()
    const [b] = await randomBlocks(1)
    await store.put(b.cid, b.bytes)

    await store.delete(CID.createV1(DAG_PB, b.cid.multihash))

    expect(await store.has(b.cid)).toBe(false)
    expect(await store.count()).toBe(0)
    await store.close()
  })
})

describe('BatchingIdbBlockstore: close', () => {
  it('close() flushes pending writes before closing the database', async () => {
    const name = freshName()
    const store = await openStore(name)
    const blocks = await randomBlocks(5) // fewer than a batch: they wait for the flush timer
    const puts = blocks.map(async b => await store.put(b.cid, b.bytes))
    await drainMicrotasks() // every write is queued; the flush timer has not run

    await store.close()

    // Had close() not flushed them, the timer would later find the database closed.
    await expect(Promise.all(puts)).resolves.toHaveLength(5)
    const reopened = await openStore(name)
    expect(await reopened.count()).toBe(5)
    for (const b of blocks) expect(await read(reopened, b.cid)).toEqual(b.bytes)
    await reopened.close()
  })

  // KNOWN BUG in src/node/idb-blockstore.ts: close() flushes only the writes
  // already in the queue, and a put() joins the queue only after
  // `await toBytes(value)`. A put() called in the same tick as close() is queued
  // after close() has flushed, its timer then flushes it into the closed
  // database, and the put rejects with InvalidStateError: the block is lost.
  // Expected to fail until that is fixed; then turn `it.fails` into `it`.
  it('close() called in the same tick as put() still stores the block (known bug: put rejects)', async () => {
    const name = freshName()
    const store = await openStore(name)
    const [b] = await randomBlocks(1)

    const put = store.put(b.cid, b.bytes)
    const settled = Promise.allSettled([put])
    await store.close()

    const [outcome] = await settled
    const reopened = await openStore(name)
    const count = await reopened.count()
    await reopened.close()
    expect(outcome.status).toBe('fulfilled')
    expect(count).toBe(1)
  })
})

describe('BatchingIdbBlockstore: failing transactions', () => {
  it('rejects every put of a batch whose transaction aborts, and none of them is readable', async () => {
    const store = await openStore()
    const blocks = await randomBlocks(5)
    // Abort the first readwrite transaction after the blockstore has issued its
    // puts, as a commit failure (e.g. QuotaExceededError) would.
    const transaction = IDBDatabase.prototype.transaction
    let aborted = 0
    vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (this: IDBDatabase, ...args: Parameters<IDBDatabase['transaction']>) {
      const tx = transaction.apply(this, args)
      if (args[1] === 'readwrite' && aborted++ === 0) queueMicrotask(() => { tx.abort() })
      return tx
    })

    const outcomes = await Promise.allSettled(blocks.map(async b => await store.put(b.cid, b.bytes)))

    expect(aborted).toBeGreaterThanOrEqual(1)
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected')
      expect((outcome as PromiseRejectedResult).reason).toHaveProperty('name', 'AbortError')
    }
    for (const b of blocks) {
      expect(await store.has(b.cid)).toBe(false)
      await expect(read(store, b.cid)).rejects.toHaveProperty('name', 'NotFoundError')
    }
    expect(await store.count()).toBe(0)

    // The failure is not sticky: the next batch commits.
    const [next] = await randomBlocks(1)
    await store.put(next.cid, next.bytes)
    expect(await read(store, next.cid)).toEqual(next.bytes)
    await store.close()
  })

  it('rejects every put of a batch when the database was closed under it, and stores none', async () => {
    const name = freshName()
    const store = await openStore(name)
    const blocks = await randomBlocks(3)
    await store.close()

    const outcomes = await Promise.allSettled(blocks.map(async b => await store.put(b.cid, b.bytes)))

    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected')
      expect((outcome as PromiseRejectedResult).reason).toHaveProperty('name', 'InvalidStateError')
    }
    const reopened = await openStore(name)
    expect(await reopened.count()).toBe(0)
    for (const b of blocks) expect(await reopened.has(b.cid)).toBe(false)
    await reopened.close()
  })

  it('rejects a put on a blockstore that was never opened', async () => {
    const store = new BatchingIdbBlockstore(freshName())
    const [b] = await randomBlocks(1)
    await expect(store.put(b.cid, b.bytes)).rejects.toThrow('not open')
  })

  // KNOWN BUG in src/node/idb-blockstore.ts: flush() issues the batch's
  // store.put() calls one by one in a live transaction. When one of them throws
  // synchronously (here DataCloneError, for a value IndexedDB cannot clone), the
  // catch rejects every put of the batch but the transaction is never aborted,
  // so it auto-commits the writes issued before the throwing one: those blocks
  // are stored although their put() rejected. Expected to fail until flush()
  // aborts the transaction on error; then turn `it.fails` into `it`.
  it('a value that is not bytes fails only its own put; the rest of the batch is stored', async () => {
    const store = await openStore()
    const [before, bad, after] = await randomBlocks(3)
    const notBytes = [(() => {}) as unknown as Uint8Array]

    const outcomes = await Promise.allSettled([
      store.put(before.cid, before.bytes),
      store.put(bad.cid, notBytes),
      store.put(after.cid, after.bytes)
    ])

    const stored = await Promise.all([before, after].map(async b => await store.has(b.cid)))
    await store.close()
    expect(outcomes.map(o => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(stored).toEqual([true, true])
  })
})
