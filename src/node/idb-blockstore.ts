/**
 * The node's blockstore: IndexedDB, with writes that arrive together committed
 * in one transaction.
 *
 * Written by hand because blockstore-idb opens one transaction per block, and
 * IndexedDB pays a commit per transaction: batching the puts the importer
 * issues in parallel is the difference between the naive and the best raw
 * pipeline of bench/RESULTS.md. Keys are the blocks' multihashes, as in
 * blockstore-idb, so one block serves every CID with the same hash.
 */
import { BaseBlockstore } from 'blockstore-core'
import { openDB, type IDBPDatabase } from 'idb'
import toBuffer from 'it-to-buffer'
import { base32 } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import * as Digest from 'multiformats/hashes/digest'
import { NotFoundError } from '../lib/errors.ts'
import type { AbortOptions } from '@libp2p/interface'
import type { Pair } from 'interface-blockstore'

/** Most puts committed in one transaction. */
export const DEFAULT_MAX_BATCH = 32
const STORE = 'blocks'
/** A block's least share of the buffer it is a view of for the buffer to be stored whole. */
const MIN_STORED_SHARE = 0.9

interface PendingWrite {
  key: string
  bytes: Uint8Array
  done: PromiseWithResolvers<void>
}

function keyOf (cid: CID): string {
  return base32.encode(cid.multihash.bytes)
}

/**
 * Bytes fit to store. IndexedDB stores a structured clone, and cloning a view
 * clones its whole buffer: a block decoded from a bitswap message or a CAR
 * chunk that held others would store all of them. A view that fills nearly all
 * of its buffer (a message of one block and its few bytes of framing) is kept
 * as it is, which spares copying every block of a transfer for a few bytes.
 */
function ownBuffer (bytes: Uint8Array): Uint8Array {
  return bytes.byteLength >= bytes.buffer.byteLength * MIN_STORED_SHARE ? bytes : bytes.slice()
}

export class BatchingIdbBlockstore extends BaseBlockstore {
  private db?: IDBPDatabase
  /** Written or being written, readable until committed. */
  private readonly pending = new Map<string, PendingWrite>()
  private queue: PendingWrite[] = []
  private flushTimer?: ReturnType<typeof setTimeout>

  constructor (private readonly name: string, private readonly maxBatch = DEFAULT_MAX_BATCH) {
    super()
  }

  async open (): Promise<void> {
    this.db = await openDB(this.name, 1, { upgrade (db) { db.createObjectStore(STORE) } })
  }

  async close (): Promise<void> {
    await this.flush()
    this.db?.close()
  }

  private get database (): IDBPDatabase {
    if (this.db == null) throw new Error('The blockstore is not open')
    return this.db
  }

  async put (cid: CID, value: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>, options?: AbortOptions): Promise<CID> {
    options?.signal?.throwIfAborted()
    const key = keyOf(cid)
    const existing = this.pending.get(key)
    if (existing != null) {
      await existing.done.promise
      return cid
    }
    // Bytes are queued in the same tick as the call, so has() and close() see them at once.
    const bytes = ownBuffer(value instanceof Uint8Array ? value : await toBuffer(value))
    const write: PendingWrite = { key, bytes, done: Promise.withResolvers<void>() }
    this.pending.set(key, write)
    this.queue.push(write)
    if (this.queue.length >= this.maxBatch) void this.flush()
    else this.flushTimer ??= setTimeout(() => { void this.flush() }, 0)
    await write.done.promise
    return cid
  }

  /** Commits everything queued in one transaction. */
  private async flush (): Promise<void> {
    clearTimeout(this.flushTimer)
    this.flushTimer = undefined
    const batch = this.queue
    this.queue = []
    if (batch.length === 0) return
    let tx: IDBTransaction | undefined
    try {
      const batchTx = this.database.transaction(STORE, 'readwrite')
      tx = batchTx as unknown as IDBTransaction
      // Observed here too: if a put throws below, nobody awaits `done` any more.
      batchTx.done.catch(() => {})
      for (const write of batch) void batchTx.store.put(write.bytes, write.key).catch(() => {})
      await batchTx.done
      for (const write of batch) write.done.resolve()
    } catch (err) {
      // All or nothing: a batch that failed part-way must not commit its first puts.
      try { tx?.abort() } catch { /* already finished */ }
      // The DOMException's name (QuotaExceededError) is kept for the caller to match.
      for (const write of batch) write.done.reject(err)
    } finally {
      for (const write of batch) {
        if (this.pending.get(write.key) === write) this.pending.delete(write.key)
      }
    }
  }

  async * get (cid: CID, options?: AbortOptions): AsyncGenerator<Uint8Array> {
    options?.signal?.throwIfAborted()
    const key = keyOf(cid)
    const pending = this.pending.get(key)
    if (pending != null) {
      yield pending.bytes
      return
    }
    const bytes: Uint8Array | undefined = await this.database.get(STORE, key)
    if (bytes === undefined) throw new NotFoundError(`Block ${cid} is not in the blockstore`)
    yield bytes
  }

  async has (cid: CID, options?: AbortOptions): Promise<boolean> {
    options?.signal?.throwIfAborted()
    const key = keyOf(cid)
    if (this.pending.has(key)) return true
    return (await this.database.getKey(STORE, key)) !== undefined
  }

  async delete (cid: CID, options?: AbortOptions): Promise<void> {
    options?.signal?.throwIfAborted()
    await this.database.delete(STORE, keyOf(cid))
  }

  async * getAll (options?: AbortOptions): AsyncGenerator<Pair> {
    for (const key of await this.database.getAllKeys(STORE)) {
      options?.signal?.throwIfAborted()
      const cid = CID.createV1(raw.code, Digest.decode(base32.decode(String(key))))
      yield { cid, bytes: this.get(cid, options) }
    }
  }

  /** Number of blocks stored, without reading them. */
  async count (): Promise<number> {
    return await this.database.count(STORE)
  }
}
