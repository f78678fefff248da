/** One CAR file being imported: bytes read of the file, then what it held. */
import { ByteJob } from './byte-job.svelte.ts'
import type { CarImportResult, ImportProgress } from '../../lib/protocol.ts'
import type { NodeClient } from '../node-client.ts'

export class CarImportJob extends ByteJob<CarImportResult> {
  readonly source = 'car'
  readonly name: string
  readonly files = 0
  readonly totalFiles = 1

  constructor (private readonly file: File) {
    super()
    this.name = file.name
    this.totalBytes = file.size
  }

  async run (client: NodeClient): Promise<void> {
    const result = await this.track(async signal => await client.call('files.importCar', { name: this.file.name, file: this.file }, { signal, onProgress: event => { this.update(event) } }))
    if (result != null) this.bytes = this.totalBytes
  }

  private update (event: ImportProgress): void {
    if (event.type === 'import:bytes') this.bytes = event.bytes
    this.tick()
  }
}
