/** Fetching a shared file or folder into this browser: bytes, speed, ETA and where the blocks came from. */
import { ByteJob } from './byte-job.svelte.ts'
import type { BlockSource, FetchSummary, SharerDial } from '../../lib/protocol.ts'
import { linkAddrs, type ShareLink } from '../../lib/share-link.ts'
import type { NodeClient } from '../node-client.ts'

export class FetchJob extends ByteJob<FetchSummary> {
  blocks = $state(0)
  /** Blocks found here already (an unfinished fetch resumed, or content seen before): not asked for. */
  localBlocks = $state(0)
  sources = $state<BlockSource[]>([])
  sharer = $state<SharerDial>()

  /**
   * @param maxBytes the size the person agreed to; the node stops the fetch there
   * @param limitFrom whether that is the link's announced size or a limit the person set
   */
  constructor (readonly link: ShareLink, readonly maxBytes: number, readonly limitFrom: 'link' | 'person') {
    super()
  }

  async run (client: NodeClient): Promise<FetchSummary | undefined> {
    // Every address goes to the node, which dials the first MAX_SHARER_ADDRS only.
    const args = { path: `/ipfs/${this.link.cid}`, providers: linkAddrs(this.link), sharer: this.link.peer, maxBytes: this.maxBytes, limitFrom: this.limitFrom, name: this.link.name }
    const result = await this.track(async signal => await client.call('content.fetch', args, {
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

  private show (progress: { bytes: number, totalBytes: number, blocks: number, localBlocks: number, localBytes: number, sources: BlockSource[] }): void {
    this.bytes = progress.bytes
    this.totalBytes = progress.totalBytes
    this.blocks = progress.blocks
    this.localBlocks = progress.localBlocks
    this.skippedBytes = progress.localBytes
    this.sources = progress.sources
  }
}
