/** Reads content by CID or /ipfs/ path: metadata, directory listings and bytes. */
import { unixfs, type UnixFS } from '@helia/unixfs'
import type { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { parseContentPath, formatContentPath } from '../lib/content-path.ts'
import { NotFoundError, TimeoutError } from '../lib/errors.ts'
import type { ContentStat, DirectoryItem } from '../lib/protocol.ts'
import type { Helia } from '@helia/interface'

/** How long a read may wait for blocks from the network before it gives up. */
export const DEFAULT_FETCH_TIMEOUT_MS = 60_000
const LISTING_STAT_CONCURRENCY = 16

function withTimeout (signal: AbortSignal, ms: number): AbortSignal {
  return AbortSignal.any([signal, AbortSignal.timeout(ms)])
}

function explain (err: unknown, what: string, signal: AbortSignal): Error {
  if (signal.aborted && !(signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError')) return err as Error
  if ((err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError') {
    return new TimeoutError(`${what} was not found: no connected peer, provider or gateway sent it within ${DEFAULT_FETCH_TIMEOUT_MS / 1000} s. Check the Peers screen and try again later.`)
  }
  if ((err as Error).name === 'NotFoundError' || (err as Error).name === 'DoesNotExistError') {
    return new NotFoundError(`${what} does not exist`)
  }
  return err as Error
}

function statType (type: string): DirectoryItem['type'] {
  return type === 'file' || type === 'directory' || type === 'raw' ? type : 'other'
}

export class ContentReader {
  private readonly fs: UnixFS

  constructor (helia: Helia) {
    this.fs = unixfs(helia)
  }

  async stat (input: string, outer: AbortSignal): Promise<ContentStat> {
    const parsed = parseContentPath(input)
    const path = formatContentPath(parsed)
    const signal = withTimeout(outer, DEFAULT_FETCH_TIMEOUT_MS)
    try {
      const stat = await this.fs.stat(parsed.cid, { path: parsed.segments.join('/'), signal })
      const result: ContentStat = { path, cid: stat.cid.toString(), type: statType(stat.type), size: Number(stat.size) }
      if (stat.type === 'directory') result.entries = await this.list(stat.cid, signal)
      return result
    } catch (err) {
      throw explain(err, path, signal)
    }
  }

  private async list (cid: CID, signal: AbortSignal): Promise<DirectoryItem[]> {
    const links = []
    for await (const entry of this.fs.ls(cid, { signal })) links.push(entry)
    const items: DirectoryItem[] = []
    // A directory link does not say whether it points at a file or a folder; ask each child.
    for (let i = 0; i < links.length; i += LISTING_STAT_CONCURRENCY) {
      items.push(...await Promise.all(links.slice(i, i + LISTING_STAT_CONCURRENCY).map(async link => {
        if (link.cid.code === raw.code) return { name: link.name, cid: link.cid.toString(), type: 'file' as const, size: Number(link.size) }
        const stat = await this.fs.stat(link.cid, { signal })
        return { name: link.name, cid: link.cid.toString(), type: statType(stat.type), size: Number(stat.size) }
      })))
    }
    return items.sort((a, b) => (a.type === 'directory' ? 0 : 1) - (b.type === 'directory' ? 0 : 1) || a.name.localeCompare(b.name))
  }

  /** The bytes of a file as a stream; reading stops when the reader cancels. */
  cat (input: string): ReadableStream<Uint8Array> {
    const parsed = parseContentPath(input)
    const path = formatContentPath(parsed)
    const controller = new AbortController()
    const source = this.fs.cat(parsed.cid, { path: parsed.segments.join('/'), signal: controller.signal })[Symbol.asyncIterator]()
    return new ReadableStream<Uint8Array>({
      async pull (stream) {
        try {
          const { done, value } = await source.next()
          if (done) stream.close()
          else stream.enqueue(value)
        } catch (err) {
          stream.error(explain(err, path, controller.signal))
        }
      },
      cancel () {
        controller.abort()
      }
    }, { highWaterMark: 4 })
  }
}
