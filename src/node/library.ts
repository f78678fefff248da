/**
 * The list of what the user added: imports files and folders as UnixFS with
 * the import profile, pins them, and keeps a record per entry in the datastore.
 */
import { unixfs, type UnixFS } from '@helia/unixfs'
import { Key, type Datastore } from 'interface-datastore'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { AbortError, NotFoundError, QuotaExceededError, isAbortError, isQuotaError } from '../lib/errors.ts'
import { IMPORT_OPTIONS } from '../lib/import-profile.ts'
import type { AddArgs, CarImportArgs, CarImportResult, FileEntry, ImportProgress, PreloadState } from '../lib/protocol.ts'
import { importCar } from './car-import.ts'
import { rootSummary } from './root-summary.ts'
import { freshDagWalker } from './fresh-dag-walker.ts'
import { withoutGc } from './gc-lock.ts'
import { preload } from './preload.ts'
import { importPath, importSegments } from './import-paths.ts'
import { readFile, throttle } from './import-source.ts'
import type { Helia } from '@helia/interface'

const RECORD_PREFIX = '/pollen/files/'
const PROGRESS_INTERVAL_MS = 100
/** Blocks hashed and written at once; the blockstore commits them together. */
export const DEFAULT_BLOCK_WRITE_CONCURRENCY = 16
/** Roots a preload node is asked for (its `refs -r` walks dag-pb; a raw root is its own only block). */
const PRELOADED_CODECS = new Set([dagPb.code, raw.code])

export interface LibraryComponents {
  helia: Helia
  datastore: Datastore
  /** Tells every tab that the list changed. */
  onChange: () => void
  /** Frees the blocks a failed import left behind. */
  collectGarbage: () => Promise<unknown>
  /** Preload nodes asked to fetch every added entry. */
  preloadNodes: string[]
  /** Connects to a preload node before it is asked, so that its bitswap finds this node. */
  connectPreloadNode?: (node: string) => Promise<void>
  /** Announces an added entry's root to the DHT, when that setting is on. */
  announce?: (cid: CID) => Promise<void>
}

export interface AddOptions {
  signal: AbortSignal
  onProgress: (event: ImportProgress) => void
}

export class Library {
  private readonly fs: UnixFS
  private updates: Promise<void> = Promise.resolve()

  constructor (private readonly components: LibraryComponents) {
    this.fs = unixfs(components.helia)
  }

  async list (): Promise<FileEntry[]> {
    const entries: FileEntry[] = []
    for await (const { value } of this.components.datastore.query({ prefix: RECORD_PREFIX })) {
      entries.push(JSON.parse(new TextDecoder().decode(value)))
    }
    return entries.sort((a, b) => b.added - a.added)
  }

  async add (args: AddArgs, { signal, onProgress }: AddOptions): Promise<FileEntry> {
    signal.throwIfAborted()
    const name = importSegments(args.name).join(' ') || 'untitled'
    if (args.items.length === 0) throw new NotFoundError('Nothing to add: the selection holds no files')
    const totalBytes = args.items.reduce((sum, item) => sum + item.file.size, 0)
    onProgress({ type: 'import:start', totalBytes, totalFiles: args.items.length })
    let bytes = 0
    let files = 0
    const report = throttle(() => { onProgress({ type: 'import:bytes', bytes, files }) }, PROGRESS_INTERVAL_MS)
    const onBytes = (n: number): void => { bytes += n; report.tick() }

    try {
      const cid = await withoutGc(async () => {
        const root = args.kind === 'file'
          ? await this.fs.addByteStream(readFile(args.items[0].file, onBytes, signal), { ...IMPORT_OPTIONS, blockWriteConcurrency: DEFAULT_BLOCK_WRITE_CONCURRENCY, signal })
          : await this.importDirectory(name, args, onBytes, () => { files++ }, signal)
        // Pin inside the lock: until the pin exists, a collection would take the blocks.
        await this.pin(root, { signal, walker: freshDagWalker() })
        return root
      }, signal)
      files = args.items.length
      report.flush()
      const entry: FileEntry = {
        id: crypto.randomUUID(),
        name,
        cid: cid.toString(),
        kind: args.kind,
        size: totalBytes,
        files: args.items.length,
        added: Date.now(),
        pinned: true,
        ...this.networkStatus()
      }
      await this.save(entry)
      void this.preloadEntry(entry)
      void this.announceEntry(entry)
      return entry
    } catch (err) {
      // What the failed import wrote is unpinned; give the space back now.
      void this.components.collectGarbage().catch(() => {})
      if (isQuotaError(err)) throw new QuotaExceededError()
      if (signal.aborted || isAbortError(err)) throw new AbortError('The import was cancelled; nothing was added')
      throw err
    }
  }

  /**
   * Imports a CAR file: its blocks are checked and stored, and each root whose
   * DAG is now whole here is pinned and listed (under the CAR's name). A CAR
   * that fails part way keeps nothing pinned; its blocks go at the next collection.
   */
  async importCar (args: CarImportArgs, { signal, onProgress }: AddOptions): Promise<CarImportResult> {
    signal.throwIfAborted()
    onProgress({ type: 'import:start', totalBytes: args.file.size, totalFiles: 1 })
    let bytes = 0
    const report = throttle(() => { onProgress({ type: 'import:bytes', bytes, files: 0 }) }, PROGRESS_INTERVAL_MS)
    const { helia } = this.components
    try {
      const imported = await withoutGc(async () => {
        const result = await importCar(readFile(args.file, n => { bytes += n; report.tick() }, signal), {
          has: async (cid, options) => await helia.blockstore.has(cid, options),
          get: (cid, options) => helia.blockstore.get(cid, { ...options, offline: true }),
          putMany: async (blocks, options) => { for await (const _ of helia.blockstore.putMany(blocks.map(({ cid, block }) => ({ cid, bytes: block })), options)) { /* stored */ } }
        }, { signal })
        for (const root of result.completeRoots) await this.pin(root, { signal, walker: freshDagWalker() })
        return result
      }, signal)
      report.flush()
      const name = importSegments(args.name).join(' ').replace(/\.car$/i, '') || 'untitled'
      const entries: FileEntry[] = []
      for (const [index, root] of imported.completeRoots.entries()) {
        const summary = await rootSummary(root, helia.blockstore)
        const entry: FileEntry = {
          id: crypto.randomUUID(),
          name: imported.completeRoots.length > 1 ? `${name} (${index + 1})` : name,
          cid: root.toString(),
          kind: summary.kind,
          size: summary.size,
          files: 1,
          added: Date.now(),
          pinned: true,
          // Imported is added, as far as the network is concerned: preload nodes and the DHT hear of UnixFS and raw roots.
          ...(PRELOADED_CODECS.has(root.code) ? this.networkStatus() : {})
        }
        await this.save(entry)
        if (entry.preload != null) void this.preloadEntry(entry)
        if (entry.dht != null) void this.announceEntry(entry)
        entries.push(entry)
      }
      const complete = new Set(imported.completeRoots.map(root => root.toString()))
      return { entries, blocks: imported.blocks, incompleteRoots: imported.roots.map(root => root.toString()).filter(root => !complete.has(root)) }
    } catch (err) {
      void this.components.collectGarbage().catch(() => {})
      if (isQuotaError(err)) throw new QuotaExceededError()
      if (signal.aborted || isAbortError(err)) throw new AbortError('The import was cancelled; nothing was added')
      throw err
    }
  }

  /** An entry's preload and DHT states before either has started. */
  private networkStatus (): Pick<FileEntry, 'preload' | 'dht'> {
    return {
      preload: Object.fromEntries(this.components.preloadNodes.map(node => [node, { status: 'pending' as const }])),
      ...(this.components.announce != null ? { dht: { status: 'pending' as const } } : {})
    }
  }

  /** Asks every preload node for the entry, recording each answer as it comes. */
  private async preloadEntry (entry: FileEntry): Promise<void> {
    await Promise.all(Object.keys(entry.preload ?? {}).map(async node => {
      let state: PreloadState
      try {
        await this.components.connectPreloadNode?.(node).catch(err => {
          // The preload node may still reach this node itself (through a relay): ask anyway.
          console.warn(`Pollen: could not connect to preload node ${node}: ${(err as Error).message}`)
        })
        await preload(node, entry.cid)
        state = { status: 'done' }
      } catch (err) {
        state = { status: 'failed', error: (err as Error).message }
      }
      await this.update(entry.id, current => ({ ...current, preload: { ...current.preload, [node]: state } }))
    }))
  }

  private async announceEntry (entry: FileEntry): Promise<void> {
    const announce = this.components.announce
    if (announce == null) return
    let state: PreloadState
    try {
      await announce(CID.parse(entry.cid))
      state = { status: 'done' }
    } catch (err) {
      state = { status: 'failed', error: (err as Error).message }
    }
    await this.update(entry.id, current => ({ ...current, dht: state }))
  }

  /**
   * Lists and pins content fetched from elsewhere (a share link), so it stays
   * and this browser serves it too.
   */
  async keep (args: { cid: string, name: string, kind: FileEntry['kind'], size: number, files: number }): Promise<FileEntry> {
    const cid = CID.parse(args.cid)
    // Helia's walker, not the fresh one: a collection may have run since the fetch.
    await withoutGc(async () => { await this.pin(cid) })
    const entry: FileEntry = {
      id: crypto.randomUUID(),
      name: importSegments(args.name).join(' ') || args.cid,
      cid: args.cid,
      kind: args.kind,
      size: args.size,
      files: args.files,
      added: Date.now(),
      pinned: true
    }
    await this.save(entry)
    return entry
  }

  /** Changes a record unless it was deleted meanwhile. */
  private async update (id: string, change: (entry: FileEntry) => FileEntry): Promise<void> {
    // Read-modify-write, one at a time: preload nodes answering together must not undo each other.
    const run = this.updates.then(async () => {
      let current: FileEntry
      try {
        current = await this.get(id)
      } catch {
        return
      }
      await this.save(change(current))
    })
    this.updates = run.catch(() => {})
    await run
  }

  /**
   * Pins a DAG, fetching what is missing unless a walker says otherwise; the
   * same content listed twice shares one pin. Callers hold the import lock.
   */
  private async pin (root: CID, options: { signal?: AbortSignal, walker?: ReturnType<typeof freshDagWalker> } = {}): Promise<void> {
    try {
      for await (const _ of this.components.helia.pins.add(root, options)) { /* records each block */ }
    } catch (err) {
      if ((err as Error).name !== 'AlreadyPinnedError') throw err
    }
  }

  private async importDirectory (name: string, args: AddArgs, onBytes: (n: number) => void, onFile: () => void, signal: AbortSignal): Promise<CID> {
    const candidates = args.items.map(item => ({
      path: importPath(name, item.path),
      content: readFile(item.file, onBytes, signal)
    }))
    let root: CID | undefined
    for await (const entry of this.fs.addAll(candidates, { ...IMPORT_OPTIONS, blockWriteConcurrency: DEFAULT_BLOCK_WRITE_CONCURRENCY, signal })) {
      if (entry.path === name) root = entry.cid
      else if (entry.unixfs?.type === 'file' || entry.unixfs == null) onFile()
    }
    if (root == null) throw new Error(`The import produced no root for "${name}"`)
    return root
  }

  async remove (id: string): Promise<void> {
    const entry = await this.get(id)
    await this.components.datastore.delete(new Key(RECORD_PREFIX + id))
    if (entry.pinned && !(await this.pinnedElsewhere(entry))) await this.unpin(entry.cid)
    this.components.onChange()
  }

  async setPinned (id: string, pinned: boolean): Promise<FileEntry> {
    const entry = await this.get(id)
    if (entry.pinned === pinned) return entry
    const cid = CID.parse(entry.cid)
    if (pinned) {
      await withoutGc(async () => { await this.pin(cid) })
    } else if (!(await this.pinnedElsewhere(entry))) {
      await this.unpin(entry.cid)
    }
    const updated = { ...entry, pinned }
    await this.save(updated)
    return updated
  }

  private async get (id: string): Promise<FileEntry> {
    try {
      const bytes = await this.components.datastore.get(new Key(RECORD_PREFIX + id))
      return JSON.parse(new TextDecoder().decode(bytes))
    } catch {
      throw new NotFoundError('That entry is no longer in the list')
    }
  }

  /** The same CID may be listed twice; its pin stays while any pinned entry holds it. */
  private async pinnedElsewhere (entry: FileEntry): Promise<boolean> {
    return (await this.list()).some(e => e.id !== entry.id && e.cid === entry.cid && e.pinned)
  }

  /** Under the import lock too, so a collection never sees a pin half removed. */
  private async unpin (cid: string): Promise<void> {
    const root = CID.parse(cid)
    await withoutGc(async () => {
      if (!(await this.components.helia.pins.isPinned(root))) return
      for await (const _ of this.components.helia.pins.rm(root)) { /* updates each block's pin count */ }
    })
  }

  private async save (entry: FileEntry): Promise<void> {
    const key = new Key(RECORD_PREFIX + entry.id)
    await this.components.datastore.put(key, new TextEncoder().encode(JSON.stringify(entry)))
    this.components.onChange()
  }
}
