/** Reads content by CID or /ipfs/ path: metadata, directory listings and bytes. */
import { unixfs, type UnixFS } from '@helia/unixfs'
import toBuffer from 'it-to-buffer'
import type { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { parseContentPath, formatContentPath } from '../lib/content-path.ts'
import { NotFoundError, TimeoutError } from '../lib/errors.ts'
import type { ContentStat, DirectoryItem } from '../lib/protocol.ts'
import type { Helia } from '@helia/interface'
import { blockLinks } from './dag-links.ts'

const LISTING_STAT_CONCURRENCY = 16

function withTimeout (signal: AbortSignal, ms: number): AbortSignal {
  return AbortSignal.any([signal, AbortSignal.timeout(ms)])
}

/** Turns what Helia throws while reading `what` into an error that says what happened and what to do. */
export function explainReadError (err: unknown, what: string, signal: AbortSignal, timeoutMs: number): Error {
  const timedOut = signal.aborted && signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError'
  // Cancelled by the caller: not a failure to explain.
  if (signal.aborted && !timedOut) return err as Error
  const name = (err as Error).name
  if (timedOut || name === 'TimeoutError' || name === 'AbortError') {
    return new TimeoutError(`${what} was not found: no connected peer, provider or gateway sent it within ${Math.round(timeoutMs / 1000)} s. Check the Peers screen, or raise the timeout in Settings, and try again later.`)
  }
  if (name === 'NotFoundError' || name === 'DoesNotExistError') {
    return new NotFoundError(`${what} does not exist`)
  }
  if (name === 'LoadBlockFailedError') {
    return new NotFoundError(`${what} could not be fetched: every source that was asked failed (${(err as Error).message}). Check the Peers screen and try again later.`)
  }
  return err as Error
}

function statType (type: string): DirectoryItem['type'] {
  return type === 'file' || type === 'directory' || type === 'raw' ? type : 'other'
}

export interface ReadOptions {
  onProgress?: (event: { type: string, detail: any }) => void
  /** Whether a directory's entries are listed (each one stat'ed); true unless false. */
  list?: boolean
}

export class ContentReader {
  private readonly fs: UnixFS

  /** @param timeoutMs how long a read may wait for blocks from the network before it gives up */
  constructor (private readonly helia: Helia, private readonly timeoutMs: number) {
    this.fs = unixfs(helia)
  }

  async stat (input: string, outer: AbortSignal, options: ReadOptions = {}): Promise<ContentStat> {
    const parsed = parseContentPath(input)
    const path = formatContentPath(parsed)
    const signal = withTimeout(outer, this.timeoutMs)
    try {
      const stat = await this.fs.stat(parsed.cid, { path: parsed.segments.join('/'), signal, onProgress: options.onProgress as any })
      const result: ContentStat = { path, cid: stat.cid.toString(), type: statType(stat.type), size: Number(stat.size) }
      // The stat has just read the block, so this read is local.
      const dagSize = blockLinks(stat.cid, await toBuffer(this.helia.blockstore.get(stat.cid, { signal })))?.size
      if (dagSize != null) result.dagSize = dagSize
      if (stat.type === 'directory' && options.list !== false) result.entries = await this.list(stat.cid, signal)
      return result
    } catch (err) {
      throw explainReadError(err, path, signal, this.timeoutMs)
    }
  }

  /** The CID a path below `root` leads to. */
  async resolve (root: CID, path: string, signal: AbortSignal): Promise<CID> {
    return (await this.fs.stat(root, { path, signal })).cid
  }

  /** A directory's entries, folders first, each with its type and size. */
  async list (cid: CID, signal: AbortSignal): Promise<DirectoryItem[]> {
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
    const timeoutMs = this.timeoutMs
    const source = this.fs.cat(parsed.cid, { path: parsed.segments.join('/'), signal: controller.signal })[Symbol.asyncIterator]()
    return new ReadableStream<Uint8Array>({
      async pull (stream) {
        // Each chunk gets the whole timeout: a long file may take longer than that in total.
        const timer = setTimeout(() => { controller.abort(new DOMException('no block arrived in time', 'TimeoutError')) }, timeoutMs)
        try {
          const { done, value } = await source.next()
          if (done) stream.close()
          else stream.enqueue(value)
        } catch (err) {
          stream.error(explainReadError(err, path, controller.signal, timeoutMs))
        } finally {
          clearTimeout(timer)
        }
      },
      cancel () {
        controller.abort()
      }
    }, { highWaterMark: 4 })
  }
}
