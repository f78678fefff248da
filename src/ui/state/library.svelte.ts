/** The list of added files, running imports and storage numbers. */
import { describeError } from './errors.ts'
import { CarImportJob } from './car-import-job.svelte.ts'
import { ImportJob } from './import-job.svelte.ts'
import { jobsFromFileList } from '../dropped-files.ts'
import type { AddArgs, FileEntry, StorageInfo } from '../../lib/protocol.ts'
import type { NodeConnection } from '../node-client.ts'

export class LibraryState {
  files = $state<FileEntry[]>([])
  jobs = $state<Array<ImportJob | CarImportJob>>([])
  storage = $state<StorageInfo>()
  /** The browser's answer to navigator.storage.persist(), once asked or known. */
  persisted = $state<boolean>()
  message = $state<string>()
  loaded = $state(false)
  /** The entry whose share panel is open on the Files screen. */
  sharing = $state<FileEntry>()

  constructor (private readonly node: NodeConnection) {
    node.subscribe(event => {
      // A fetch stores blocks: the storage numbers change with it.
      if (event.type === 'files:changed' || event.type === 'fetches:changed') void this.refresh()
    })
    void this.refresh()
    void navigator.storage?.persisted?.().then(p => { this.persisted = p })
  }

  async refresh (): Promise<void> {
    // Each on its own: storage figures that cannot be had never keep the list from showing.
    const [files, storage] = await Promise.allSettled([
      this.node.client.call('files.list', undefined),
      this.node.client.call('storage.info', undefined)
    ])
    if (storage.status === 'fulfilled') this.storage = storage.value
    if (files.status === 'fulfilled') {
      this.files = files.value
      this.loaded = true
    } else {
      this.message = describeError(files.reason)
    }
  }

  /** Adds each job; resolves to the entries of those that were added. */
  async add (jobs: AddArgs[]): Promise<FileEntry[]> {
    const entries = await Promise.all(jobs.map(async args => {
      const job = new ImportJob(args)
      this.jobs.unshift(job)
      await job.run(this.node.client, args)
      return job.result
    }))
    await this.refresh()
    return entries.filter((entry): entry is FileEntry => entry != null)
  }

  /**
   * Files handed to Pollen from outside (shared to it, opened with it): added
   * each on its own, then the Files screen opens with the first one's share
   * panel, since sharing is what they came for. CAR files opened with Pollen
   * are imported as CARs.
   */
  async receive (files: File[]): Promise<void> {
    location.hash = '#/files'
    const cars = files.filter(file => /\.car$/i.test(file.name) || file.type === 'application/vnd.ipld.car')
    const [entries, imported] = await Promise.all([
      this.add(jobsFromFileList(files.filter(file => !cars.includes(file)))),
      cars.length > 0 ? this.importCars(cars) : []
    ])
    this.sharing = entries[0] ?? imported[0] ?? this.sharing
  }

  /** Imports CAR files, each its own job; resolves to the entries they listed. */
  async importCars (files: File[]): Promise<FileEntry[]> {
    const results = await Promise.all(files.map(async file => {
      const job = new CarImportJob(file)
      this.jobs.unshift(job)
      await job.run(this.node.client)
      return job.result?.entries ?? []
    }))
    await this.refresh()
    return results.flat()
  }

  dismiss (job: ImportJob | CarImportJob): void {
    this.jobs = this.jobs.filter(j => j !== job)
  }

  async remove (entry: FileEntry): Promise<void> {
    await this.run(() => this.node.client.call('files.remove', { id: entry.id }))
  }

  async setPinned (entry: FileEntry, pinned: boolean): Promise<void> {
    await this.run(() => this.node.client.call('files.setPinned', { id: entry.id, pinned }))
  }

  async collectGarbage (): Promise<void> {
    await this.run(async () => {
      const { removed } = await this.node.client.call('storage.gc', undefined)
      this.message = `Garbage collection removed ${removed} unpinned block${removed === 1 ? '' : 's'}.`
    })
  }

  async requestPersistence (): Promise<void> {
    if (typeof navigator.storage?.persist !== 'function') return
    this.persisted = await navigator.storage.persist()
    this.message = this.persisted
      ? 'Storage is persistent: the browser will not evict your files to free space.'
      : 'The browser declined persistent storage (it decides from how you use the site, e.g. after installing or bookmarking it); your files may be evicted when the disk runs low.'
  }

  private async run (fn: () => Promise<unknown>): Promise<void> {
    this.message = undefined
    try {
      await fn()
    } catch (err) {
      this.message = describeError(err)
    }
    await this.refresh()
  }
}
