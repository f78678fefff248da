/** Fetching a shared file or folder into this browser: bytes, speed, ETA and where the blocks came from. */
import { ByteJob } from './byte-job.svelte.ts'
import type { BlockSource, FetchSummary, SharerDial } from '../../lib/protocol.ts'
import type { ShareLink } from '../../lib/share-link.ts'
import type { NodeClient } from '../node-client.ts'

export class FetchJob extends ByteJob<FetchSummary> {
  blocks = $state(0)
  sources = $state<BlockSource[]>([])
  sharer = $state<SharerDial>()

  constructor (readonly link: ShareLink) {
    super()
  }

  async run (client: NodeClient): Promise<FetchSummary | undefined> {
    const result = await this.track(async signal => await client.call('content.fetch', { path: `/ipfs/${this.link.cid}`, providers: this.link.addrs }, {
      signal,
      onProgress: event => {
        if (event.type === 'fetch:sharer') this.sharer = event.sharer
        else this.show(event)
        this.tick()
      }
    }))
    if (result != null) {
      this.show(result)
      this.sharer = result.sharer ?? this.sharer
    }
    return result
  }

  private show (progress: { bytes: number, totalBytes: number, blocks: number, sources: BlockSource[] }): void {
    this.bytes = progress.bytes
    this.totalBytes = progress.totalBytes
    this.blocks = progress.blocks
    this.sources = progress.sources
  }
}
