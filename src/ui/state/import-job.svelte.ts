/** One running or finished import, with the numbers its progress bar shows. */
import { ByteJob } from './byte-job.svelte.ts'
import type { AddArgs, FileEntry, ImportProgress } from '../../lib/protocol.ts'
import type { NodeClient } from '../node-client.ts'

export type { JobStatus } from './byte-job.svelte.ts'

export class ImportJob extends ByteJob<FileEntry> {
  readonly source = 'files'
  readonly name: string
  readonly kind: AddArgs['kind']
  files = $state(0)
  totalFiles = $state(0)

  constructor (args: AddArgs) {
    super()
    this.name = args.name
    this.kind = args.kind
    this.totalFiles = args.items.length
    this.totalBytes = args.items.reduce((sum, item) => sum + item.file.size, 0)
  }

  async run (client: NodeClient, args: AddArgs): Promise<void> {
    const result = await this.track(async signal => await client.call('files.add', args, { signal, onProgress: event => { this.update(event) } }))
    if (result == null) return
    this.bytes = this.totalBytes
    this.files = this.totalFiles
  }

  private update (event: ImportProgress): void {
    if (event.type === 'import:start') {
      this.totalBytes = event.totalBytes
      this.totalFiles = event.totalFiles
    } else {
      this.bytes = event.bytes
      this.files = event.files
    }
    this.tick()
  }
}
