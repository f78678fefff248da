/**
 * What the preload endpoint keeps, and for how long. A walk holds every
 * block it visits, from before the fetch; when it succeeds its blocks become
 * the record of its root, which expires `ttlMs` after that preload (a new
 * preload of the root renews it). When a walk fails, or a record expires, its
 * blocks are let go, and a block nobody holds any more is deleted from the
 * blockstore. At start, blocks no record holds (left by a walk the process
 * died in) are deleted.
 *
 * Helia's pins and gc are not used: gc takes the blockstore's write lock,
 * which waits for every block fetch in flight (a preload of a CID nobody has
 * keeps one going until its idle timeout) while every other read queues
 * behind it; and a walk's blocks would be unprotected between their fetch and
 * the pin. Deletions go to the blockstore under Helia for the same reason.
 */
import { Key, type Datastore } from 'interface-datastore'
import { base64url } from 'multiformats/bases/base64'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { identity } from 'multiformats/hashes/identity'
import { PRELOAD_MIN_BLOCK_CHARGE } from './options.ts'
import type { Blockstore } from 'interface-blockstore'

const RECORD_PREFIX = '/pollen-infra/preload/'
const RAW_CODEC = 0x55
/** setTimeout's longest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1

export class PreloadTooLargeError extends Error {
  static name = 'PreloadTooLargeError'
  name = 'PreloadTooLargeError'
}

export class PreloadStorageFullError extends Error {
  static name = 'PreloadStorageFullError'
  name = 'PreloadStorageFullError'
}

/** One preloaded root as GET /preload/<cid> shows it. */
export interface RetainedRoot {
  root: string
  blocks: number
  /** The blocks' bytes. */
  bytes: number
  preloadedAt: string
  expiresAt: string
}

interface StoredRecord {
  root: string
  /** base64url multihashes of every block of the DAG, the root's included. */
  blocks: string[]
  bytes: number
  /** What counts against --preload-max-held-bytes (PRELOAD_MIN_BLOCK_CHARGE per block at least). */
  counted: number
  preloadedAt: number
  expiresAt: number
}

export interface RetentionStatus {
  roots: number
  /** Distinct blocks held, by records and walks in progress. */
  blocks: number
  /** Bytes of the retained roots' blocks. */
  bytes: number
  /** What counts against maxHeldBytes, walks in progress included. */
  countedBytes: number
  maxHeldBytes: number
  ttlSeconds: number
  nextExpiry: string | null
}

export interface PreloadRetentionInit {
  /** The blockstore under Helia, where fetched blocks land. */
  blockstore: Blockstore
  datastore: Datastore
  ttlMs: number
  maxHeldBytes: number
  log: (event: Record<string, unknown>) => void
}

/** Blocks are identified by multihash, as the filesystem blockstore stores them. */
function blockKey (cid: CID): string {
  return base64url.baseEncode(cid.multihash.bytes)
}

function cidOf (key: string): CID {
  return CID.createV1(RAW_CODEC, Digest.decode(base64url.baseDecode(key)))
}

function recordKey (root: string): Key {
  return new Key(`${RECORD_PREFIX}${root}`)
}

function blockCharge (bytes: number): number {
  return Math.max(bytes, PRELOAD_MIN_BLOCK_CHARGE)
}

export class PreloadRetention {
  readonly ttlMs: number
  readonly maxHeldBytes: number
  private readonly blockstore: Blockstore
  private readonly datastore: Datastore
  private readonly log: PreloadRetentionInit['log']
  /** How many records and walks hold each block. */
  private readonly holders = new Map<string, number>()
  /** Deletions under way, which a walk that wants the block again waits for. */
  private readonly deleting = new Map<string, Promise<void>>()
  private readonly records = new Map<string, StoredRecord>()
  /** Counted bytes of the records. */
  private retained = 0
  /** Counted bytes of walks in progress. */
  private walking = 0
  private timer?: ReturnType<typeof setTimeout>
  /** Expiry runs one at a time. */
  private expiry: Promise<void> = Promise.resolve()
  private stopped = false

  constructor (init: PreloadRetentionInit) {
    this.blockstore = init.blockstore
    this.datastore = init.datastore
    this.ttlMs = init.ttlMs
    this.maxHeldBytes = init.maxHeldBytes
    this.log = init.log
  }

  /** Loads the records, deletes the blocks none of them holds and schedules the next expiry. */
  async start (): Promise<void> {
    for await (const { value } of this.datastore.query({ prefix: RECORD_PREFIX })) {
      const record = JSON.parse(new TextDecoder().decode(value)) as StoredRecord
      this.setRecord(record)
      for (const key of record.blocks) this.holders.set(key, (this.holders.get(key) ?? 0) + 1)
    }
    let swept = 0
    for await (const { cid } of this.blockstore.getAll()) {
      if (this.holders.has(blockKey(cid))) continue
      await this.blockstore.delete(cid)
      swept++
    }
    this.log({ event: 'preload:retention', ...this.status(), sweptUnheldBlocks: swept })
    await this.expire()
  }

  async stop (): Promise<void> {
    this.stopped = true
    clearTimeout(this.timer)
    await this.expiry
  }

  /** Starts holding the blocks of one walk; `maxBytes` is its ceiling. */
  beginWalk (maxBytes: number): PreloadHold {
    return new PreloadHold(this, maxBytes)
  }

  get (root: CID): RetainedRoot | undefined {
    const record = this.records.get(root.toV1().toString())
    return record == null ? undefined : this.summary(record)
  }

  status (): RetentionStatus {
    let bytes = 0
    let next = Infinity
    for (const record of this.records.values()) {
      bytes += record.bytes
      next = Math.min(next, record.expiresAt)
    }
    return {
      roots: this.records.size,
      blocks: this.holders.size,
      bytes,
      countedBytes: this.retained + this.walking,
      maxHeldBytes: this.maxHeldBytes,
      ttlSeconds: this.ttlMs / 1000,
      nextExpiry: Number.isFinite(next) ? new Date(next).toISOString() : null
    }
  }

  /** @internal Holds a block for a walk; resolves once no deletion of it is under way. */
  async hold (key: string): Promise<void> {
    this.holders.set(key, (this.holders.get(key) ?? 0) + 1)
    await this.deleting.get(key)
  }

  /** @internal Adds to the bytes walks hold; throws when all preloads together would pass the ceiling. */
  count (bytes: number): void {
    this.walking += bytes
    if (this.retained + this.walking > this.maxHeldBytes) {
      throw new PreloadStorageFullError(`this node's preload storage is full (--preload-max-held-bytes ${this.maxHeldBytes}); try again after ${this.status().nextExpiry ?? 'other preloads end'}`)
    }
  }

  /** @internal A walk ended: its bytes no longer count as a walk's. */
  uncount (bytes: number): void {
    this.walking -= bytes
  }

  /** @internal Makes a walk's blocks the record of `root`, replacing an earlier record of it. */
  async keep (root: CID, blocks: Set<string>, bytes: number, counted: number): Promise<RetainedRoot> {
    const now = Date.now()
    const record: StoredRecord = { root: root.toV1().toString(), blocks: [...blocks], bytes, counted, preloadedAt: now, expiresAt: now + this.ttlMs }
    await this.datastore.put(recordKey(record.root), new TextEncoder().encode(JSON.stringify(record)))
    const previous = this.records.get(record.root)
    if (previous != null) this.deleteRecord(previous)
    this.setRecord(record)
    // The new record holds its blocks already (the walk's holds carry over).
    if (previous != null) await this.release(previous.blocks)
    this.log({ event: 'preload:kept', root: record.root, blocks: record.blocks.length, bytes, expiresAt: new Date(record.expiresAt).toISOString() })
    this.schedule()
    return this.summary(record)
  }

  /** @internal Lets go of blocks; deletes, one at a time, those nobody holds any more. */
  async release (keys: Iterable<string>): Promise<void> {
    const unheld: string[] = []
    for (const key of keys) {
      const holders = (this.holders.get(key) ?? 0) - 1
      if (holders > 0) {
        this.holders.set(key, holders)
      } else {
        this.holders.delete(key)
        unheld.push(key)
      }
    }
    // One at a time: thousands of unlinks at once would queue every other
    // file operation (the gateway's reads, other walks) behind them.
    for (const key of unheld) await this.deleteIfUnheld(key)
  }

  private async deleteIfUnheld (key: string): Promise<void> {
    const deletion = (async () => {
      await this.deleting.get(key)
      // A walk may have taken it again meanwhile.
      if (this.holders.has(key)) return
      try {
        await this.blockstore.delete(cidOf(key))
      } catch (err) {
        this.log({ event: 'preload:delete-failed', block: cidOf(key).toString(), message: (err as Error).message })
      }
    })()
    this.deleting.set(key, deletion)
    try {
      await deletion
    } finally {
      if (this.deleting.get(key) === deletion) this.deleting.delete(key)
    }
  }

  private setRecord (record: StoredRecord): void {
    this.records.set(record.root, record)
    this.retained += record.counted
  }

  private deleteRecord (record: StoredRecord): void {
    this.records.delete(record.root)
    this.retained -= record.counted
  }

  private summary (record: StoredRecord): RetainedRoot {
    return {
      root: record.root,
      blocks: record.blocks.length,
      bytes: record.bytes,
      preloadedAt: new Date(record.preloadedAt).toISOString(),
      expiresAt: new Date(record.expiresAt).toISOString()
    }
  }

  /** Sets the timer for the earliest expiry. */
  private schedule (): void {
    clearTimeout(this.timer)
    if (this.stopped) return
    let next = Infinity
    for (const record of this.records.values()) next = Math.min(next, record.expiresAt)
    if (!Number.isFinite(next)) return
    this.timer = setTimeout(() => { void this.expire() }, Math.min(Math.max(next - Date.now(), 0), MAX_TIMER_MS))
    // Expiry alone does not keep the process running.
    this.timer.unref()
  }

  /** Drops every record whose time is up, and the blocks only they held. */
  private async expire (): Promise<void> {
    this.expiry = this.expiry.then(async () => {
      const now = Date.now()
      for (const record of [...this.records.values()]) {
        if (record.expiresAt > now || this.stopped) continue
        // A renewal may have replaced it while earlier ones were released.
        if (this.records.get(record.root) !== record) continue
        this.deleteRecord(record)
        await this.datastore.delete(recordKey(record.root))
        await this.release(record.blocks)
        this.log({ event: 'preload:expired', root: record.root, blocks: record.blocks.length, bytes: record.bytes })
      }
    }).catch(err => {
      this.log({ event: 'preload:expiry-failed', message: (err as Error).message })
    }).finally(() => {
      this.schedule()
    })
    await this.expiry
  }
}

/** The blocks one walk has visited, held until the walk is kept or let go. */
export class PreloadHold {
  bytes = 0
  counted = 0
  private readonly retention: PreloadRetention
  private readonly maxBytes: number
  private readonly blocks = new Set<string>()
  private readonly countedBlocks = new Set<string>()
  private done = false

  constructor (retention: PreloadRetention, maxBytes: number) {
    this.retention = retention
    this.maxBytes = maxBytes
  }

  /** Holds a block before it is fetched, so no expiry deletes it under the walk. */
  async hold (cid: CID): Promise<void> {
    // Identity blocks are their CID; nothing is stored.
    if (this.done) throw new Error('this walk was already kept or released')
    if (cid.multihash.code === identity.code) return
    const key = blockKey(cid)
    if (this.blocks.has(key)) return
    this.blocks.add(key)
    await this.retention.hold(key)
  }

  /** Counts a fetched block once (the CAR stream and the walk both see it); throws when this walk, or all preloads together, would pass their ceiling. */
  count (cid: CID, bytes: number): void {
    if (this.done) throw new Error('this walk was already kept or released')
    if (cid.multihash.code === identity.code) return
    const key = blockKey(cid)
    if (this.countedBlocks.has(key)) return
    this.countedBlocks.add(key)
    const charge = blockCharge(bytes)
    this.bytes += bytes
    this.counted += charge
    this.retention.count(charge)
    if (this.counted > this.maxBytes) {
      throw new PreloadTooLargeError(`the DAG is larger than this node preloads (--preload-max-bytes ${this.maxBytes}; blocks count at least ${PRELOAD_MIN_BLOCK_CHARGE} bytes each)`)
    }
  }

  /** The walk succeeded: its blocks become the record of `root`. */
  async keep (root: CID): Promise<RetainedRoot> {
    this.finish()
    try {
      return await this.retention.keep(root, this.blocks, this.bytes, this.counted)
    } catch (err) {
      await this.retention.release(this.blocks)
      throw err
    }
  }

  /** The walk failed: what it fetched is deleted, unless something else holds it. */
  async release (): Promise<void> {
    if (this.done) return
    this.finish()
    await this.retention.release(this.blocks)
  }

  private finish (): void {
    if (this.done) throw new Error('this walk was already kept or released')
    this.done = true
    this.retention.uncount(this.counted)
  }
}
