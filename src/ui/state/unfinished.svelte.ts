/** Fetches that stopped before the end: how much of each is here, to resume or discard. */
import { describeError } from './errors.ts'
import type { UnfinishedFetch } from '../../lib/protocol.ts'
import type { ShareLink } from '../../lib/share-link.ts'
import type { NodeConnection } from '../node-client.ts'

/** The link an unfinished fetch came from: resuming it keeps to the limit agreed to then. */
export function linkOf (entry: UnfinishedFetch): ShareLink {
  // A copy of the addresses: a state proxy cannot be posted to the node.
  return { cid: entry.cid, name: entry.name, peer: entry.sharer, addrs: [...entry.providers], size: entry.limitFrom === 'link' ? entry.maxBytes : undefined }
}

export class UnfinishedState {
  list = $state<UnfinishedFetch[]>([])
  message = $state<string>()
  /** What they keep from garbage collection, for the Storage panel. */
  bytes = $derived(this.list.reduce((sum, entry) => sum + entry.bytes, 0))
  blocks = $derived(this.list.reduce((sum, entry) => sum + entry.blocks, 0))
  private asked = 0

  constructor (private readonly node: NodeConnection) {
    node.subscribe(event => {
      if (event.type === 'fetches:changed') void this.refresh()
    })
    void this.refresh()
  }

  async refresh (): Promise<void> {
    // Fetches start and end in quick succession: only the newest answer counts.
    const asked = ++this.asked
    try {
      const list = await this.node.client.call('fetches.unfinished', undefined)
      if (asked === this.asked) this.list = list
    } catch (err) {
      this.message = describeError(err)
    }
  }

  async discard (entry: UnfinishedFetch): Promise<void> {
    this.message = undefined
    try {
      await this.node.client.call('fetches.discard', { cid: entry.cid })
    } catch (err) {
      this.message = describeError(err)
    }
    await this.refresh()
  }
}
