/**
 * A share link waiting for the person's consent. A link can be opened by any
 * site (it is only a URL), so nothing is dialled or fetched until the person
 * has seen what it is (name, CID, size, sharer) and clicked Fetch; the fetch
 * then stops at the size they agreed to: the link's announced size, or the
 * limit they chose when it announces none.
 */
import { addrsToDial, linkAddrs, MAX_SHARER_ADDRS, sharerPeer, type ShareLink } from '../../lib/share-link.ts'
import type { UnfinishedFetch } from '../../lib/protocol.ts'
import type { NodeClient } from '../node-client.ts'

export const LIMIT_UNITS = { MiB: 1024 ** 2, GiB: 1024 ** 3 } as const
export type LimitUnit = keyof typeof LIMIT_UNITS
/** What a link without a size may fetch unless the person changes it. */
export const DEFAULT_FETCH_LIMIT = { value: 1, unit: 'GiB' as LimitUnit }

/** Bytes for a limit typed by the person; undefined unless it is a positive amount. */
export function limitBytes (value: unknown, unit: LimitUnit): number | undefined {
  const amount = typeof value === 'string' ? (value.trim() === '' ? Number.NaN : Number(value)) : value
  if (typeof amount !== 'number' || !Number.isFinite(amount) || amount <= 0) return undefined
  const bytes = Math.round(amount * LIMIT_UNITS[unit])
  return bytes >= 1 && Number.isSafeInteger(bytes) ? bytes : undefined
}

export class ShareOffer {
  /** The limit field, for links that announce no size. */
  limitValue = $state<number | string | null>(DEFAULT_FETCH_LIMIT.value)
  limitUnit = $state<LimitUnit>(DEFAULT_FETCH_LIMIT.unit)
  /** Bytes this browser still lets Pollen store (quota minus usage), once known. */
  free = $state<number>()
  /** An earlier fetch of this content that stopped before the end: its blocks are here and not fetched again. */
  here = $state<UnfinishedFetch>()

  readonly peer: string | undefined
  readonly dialled: number
  readonly ignored: number
  readonly maxAddrs = MAX_SHARER_ADDRS

  /** The limit the fetch stops at; undefined while the person's limit is not a positive amount. */
  get maxBytes (): number | undefined {
    return this.link.size ?? limitBytes(this.limitValue, this.limitUnit)
  }

  get limitFrom (): 'link' | 'person' {
    return this.link.size != null ? 'link' : 'person'
  }

  /** What is not here yet of the agreed size is more than the browser has room for. */
  get tooBig (): boolean {
    const max = this.maxBytes
    return this.free != null && max != null && max - (this.here?.bytes ?? 0) > this.free
  }

  constructor (readonly link: ShareLink, client: NodeClient) {
    const { dialled, ignored } = addrsToDial(linkAddrs(link))
    this.peer = sharerPeer(link)
    this.dialled = dialled.length
    this.ignored = ignored
    client.call('storage.info', undefined)
      .then(info => { if (info.quota != null) this.free = Math.max(0, info.quota - (info.usage ?? 0)) })
      .catch(() => {})
    client.call('fetches.unfinished', undefined)
      .then(list => { this.here = list.find(entry => entry.cid === link.cid && entry.blocks > 0) })
      .catch(() => {})
  }
}
