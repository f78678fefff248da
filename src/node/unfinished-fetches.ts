/**
 * Fetches that stopped before the end: cancelled, their tab closed, nothing
 * came in time, or the browser closed. What they stored stays, so that opening
 * the link again (or Resume) asks the network only for the rest. A record per
 * root in the datastore, written before the fetch stores its first block,
 * keeps garbage collection off those blocks (src/node/gc.ts) until the fetch
 * finishes or the person discards it. A fetch refused for its size or for
 * want of storage keeps nothing: its part is what has to go.
 */
import { Key, type Datastore } from 'interface-datastore'
import { CID } from 'multiformats/cid'
import { NotFoundError } from '../lib/errors.ts'
import { blockKey, storedDag, type LocalBlocks, type StoredDag } from './stored-dag.ts'
import type { FetchArgs, UnfinishedFetch } from '../lib/protocol.ts'

const RECORD_PREFIX = '/pollen/unfinished/'

/** How a fetch ended: finished, stopped before the end (kept), or refused (its part not kept). */
export type FetchOutcome = 'done' | 'stopped' | 'refused'

type FetchRecord = Omit<UnfinishedFetch, 'blocks' | 'bytes' | 'totalBytes' | 'running'>

export interface UnfinishedFetchesComponents {
  datastore: Datastore
  /** The local blockstore, read without ever asking the network. */
  blocks: LocalBlocks
  /** Tells every tab that the list changed. */
  onChange: () => void
}

/** One running fetch's hold on its record; `end` once, when nothing more will be stored. */
export interface RunningFetch {
  end: (outcome: FetchOutcome) => Promise<void>
}

export class UnfinishedFetches {
  /** Fetches running now, per root: a record with any is not offered for discarding. */
  private readonly running = new Map<string, number>()

  constructor (private readonly components: UnfinishedFetchesComponents) {}

  /** Records the fetch of `root` before any block of it is stored; a record of an earlier attempt keeps its start time. */
  async begin (root: CID, args: FetchArgs): Promise<RunningFetch> {
    const cid = root.toString()
    const earlier = await this.get(cid)
    await this.save({
      cid,
      name: args.name ?? earlier?.name,
      providers: args.providers ?? [],
      sharer: args.sharer,
      maxBytes: args.maxBytes,
      limitFrom: args.limitFrom,
      started: earlier?.started ?? Date.now()
    })
    this.running.set(cid, (this.running.get(cid) ?? 0) + 1)
    this.components.onChange()
    let ended = false
    return {
      end: async outcome => {
        if (ended) return
        ended = true
        const left = (this.running.get(cid) ?? 1) - 1
        if (left > 0) this.running.set(cid, left)
        else this.running.delete(cid)
        // With another fetch of the same root still running, the last one to end decides;
        // a fetch that stopped before its root arrived has nothing to keep.
        const keep = outcome === 'stopped' && await this.holds(root)
        if (!keep && left === 0) {
          try {
            await this.components.datastore.delete(this.key(cid))
          } catch (err) {
            // A record left behind only stays listed (and its blocks kept): not worth failing a finished fetch for.
            console.warn(`Pollen: could not forget the unfinished fetch of ${cid}: ${(err as Error).message}`)
          }
        }
        this.components.onChange()
      }
    }
  }

  /** How much of a DAG is here (from an unfinished fetch or from before). */
  async stored (root: CID, signal?: AbortSignal): Promise<StoredDag> {
    return await storedDag(root, this.components.blocks, { signal })
  }

  async list (signal?: AbortSignal): Promise<UnfinishedFetch[]> {
    const records = await this.records()
    const listed = await Promise.all(records.map(async record => {
      const stored = await this.stored(CID.parse(record.cid), signal)
      return { ...record, ...stored, running: this.running.has(record.cid) }
    }))
    return listed.sort((a, b) => b.started - a.started)
  }

  async discard (cid: string): Promise<void> {
    if (this.running.has(cid)) throw new Error('That fetch is still running: cancel it first (in the tab that fetches it), then discard it')
    if (await this.get(cid) == null) throw new NotFoundError('That unfinished fetch is no longer listed')
    await this.components.datastore.delete(this.key(cid))
    this.components.onChange()
  }

  /**
   * Every block of every unfinished DAG that is here, by blockKey: what
   * garbage collection keeps. Blocks stored after this was called are not in
   * it, so a collection lists the blocks it considers before it asks.
   */
  async retained (signal?: AbortSignal): Promise<Set<string>> {
    const keys = new Set<string>()
    for (const record of await this.records()) {
      await storedDag(CID.parse(record.cid), this.components.blocks, { signal, onBlock: cid => keys.add(blockKey(cid)) })
    }
    return keys
  }

  /** Whether the root is here; when the store cannot say, it is kept rather than lost. */
  private async holds (root: CID): Promise<boolean> {
    try {
      return await this.components.blocks.has(root)
    } catch {
      return true
    }
  }

  private async records (): Promise<FetchRecord[]> {
    const records: FetchRecord[] = []
    for await (const { value } of this.components.datastore.query({ prefix: RECORD_PREFIX })) {
      records.push(JSON.parse(new TextDecoder().decode(value)))
    }
    return records
  }

  private async get (cid: string): Promise<FetchRecord | undefined> {
    const key = this.key(cid)
    if (!(await this.components.datastore.has(key))) return undefined
    return JSON.parse(new TextDecoder().decode(await this.components.datastore.get(key)))
  }

  private async save (record: FetchRecord): Promise<void> {
    await this.components.datastore.put(this.key(record.cid), new TextEncoder().encode(JSON.stringify(record)))
  }

  private key (cid: string): Key {
    return new Key(RECORD_PREFIX + cid)
  }
}
