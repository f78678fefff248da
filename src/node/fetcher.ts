/**
 * Fetches a whole DAG into the blockstore, the way a share link is opened:
 * dial the sharer first and, when it serves the trustless gateway over
 * libp2p, take the DAG from it as one CAR stream (lib/car-fetch.ts); then let
 * bitswap ask every connected peer and the providers delegates name for what
 * is still missing, with gateways last (gateway-fallback.ts). Every
 * block is verified against its CID before it is stored (Helia checks the
 * hash; a peer sending other bytes gets a block nobody asked for). Reports
 * bytes and which source sent what, and gives up after the configured time
 * without a new block instead of hanging.
 *
 * A link is written by whoever wrote it, not necessarily by a friend, so the
 * fetch keeps to what the person agreed to: at most MAX_SHARER_ADDRS of the
 * link's addresses are dialled, and the walk stops once the DAG declares (its
 * root's Tsize) or turns out to hold more than `maxBytes`, or more than the
 * browser's storage quota leaves room for (its estimate, less a reserve; and
 * when the browser refuses a write all the same, the fetch stops there too).
 * Stopping only ends the walk: what was stored before stays. A fetch refused
 * for its size or for want of storage keeps nothing of its part (the next
 * garbage collection takes it; after a refused write, one runs at once); one
 * cancelled, cut off with its tab or timed out is kept as an unfinished fetch
 * (unfinished-fetches.ts), and opening the link again finds its blocks here
 * and asks the network for the rest only: the limits count that rest.
 */
import toBuffer from 'it-to-buffer'
import { peerIdFromCID, peerIdFromString } from '@libp2p/peer-id'
import { CID } from 'multiformats/cid'
import { parseContentPath } from '../lib/content-path.ts'
import { QuotaExceededError, SizeLimitError, TimeoutError, isAbortError, isQuotaError } from '../lib/errors.ts'
import { formatBytes } from '../lib/format.ts'
import { walkInParallel } from '../lib/parallel-walk.ts'
import { sleep } from '../lib/sleep.ts'
import { WantWindow } from '../lib/want-window.ts'
import { isRelayed } from '../lib/transport-name.ts'
import type { BlockSource, FetchArgs, FetchProgress, FetchSummary, SharerDial } from '../lib/protocol.ts'
import type { PollenHelia } from './create-node.ts'
import { DEFAULT_CAR_STALL_MS, fetchCar } from '../lib/car-fetch.ts'
import { explainReadError, type ContentReader } from './content.ts'
import { blockLinks } from './dag-links.ts'
import { SharerDialer } from './sharer-dial.ts'
import type { FetchOutcome, RunningFetch, UnfinishedFetches } from './unfinished-fetches.ts'

/** How long the walk's session (the sharer, or the root's providers) may send nothing at all before every peer is asked too. */
export const DEFAULT_SESSION_PATIENCE_MS = 3000
const PROGRESS_INTERVAL_MS = 200
/** Space a fetch leaves free under the quota, for the file list, settings and the blocks' bookkeeping. */
export const DEFAULT_QUOTA_RESERVE_BYTES = 16 * 1024 * 1024

export interface FetcherInit {
  helia: PollenHelia
  content: ContentReader
  bootstrap: string[]
  /** Peer IDs of the relays holding a slot for this node: a short share link's sharer is reached through them. */
  relays?: () => string[]
  fetchTimeoutMs: number
  /** Bytes this origin may still store (quota minus usage); navigator.storage.estimate() when not given. */
  storageAvailable?: () => Promise<number>
  /** Removes unpinned blocks: after the browser refused a write, the part fetched gives its space back. */
  collectGarbage?: () => Promise<unknown>
  /** Keeps what a fetch stored when it stops before the end, and tells what of a DAG is here. */
  unfinished: UnfinishedFetches
  /** Told of the bytes of each block a CAR stream brings (bitswap's are counted where bitswap receives them). */
  onCarBytes?: (bytes: number) => void
  /** How long the walk's session may deliver nothing before every peer is asked too (DEFAULT_SESSION_PATIENCE_MS). */
  sessionPatienceMs?: number
}

async function estimateAvailable (): Promise<number> {
  // Without the Storage API nothing is known ahead: the browser's refusal of a write says when it is full.
  const estimate = await navigator.storage?.estimate?.().catch(() => undefined)
  const quota = estimate?.quota
  return quota == null ? Number.POSITIVE_INFINITY : Math.max(0, quota - (estimate?.usage ?? 0))
}

interface ProgressEvent { type: string, detail: any }
type Session = ReturnType<PollenHelia['blockstore']['createSession']>

function linksOf (cid: CID, block: Uint8Array): { cids: CID[], size: number } {
  return blockLinks(cid, block) ?? { cids: [], size: block.byteLength }
}

/** For room messages: how much of the content is here already, when any is. */
function here (bytes: number): string {
  return bytes > 0 ? ` (${formatBytes(bytes)} of it here already)` : ''
}

/** Checks what the person agreed to before any address is dialled. */
function checkLimit (maxBytes: unknown): number {
  if (typeof maxBytes !== 'number' || !Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new SizeLimitError('The fetch has no size limit: open the link again and agree to how much it may fetch')
  }
  return maxBytes
}

export class Fetcher {
  private readonly sharerDialer: SharerDialer

  constructor (private readonly init: FetcherInit) {
    this.sharerDialer = new SharerDialer({ libp2p: init.helia.libp2p, routing: init.helia.routing, bootstrap: init.bootstrap, relays: init.relays })
  }

  async fetch (args: FetchArgs, signal: AbortSignal, onProgress: (progress: FetchProgress) => void): Promise<FetchSummary> {
    const parsed = parseContentPath(args.path)
    const maxBytes = checkLimit(args.maxBytes)
    // Room left under the quota, measured before anything is fetched; blocks found here already do not count against it.
    const room = Math.max(0, await (this.init.storageAvailable ?? estimateAvailable)() - DEFAULT_QUOTA_RESERVE_BYTES)
    // What is here already (an unfinished fetch, or content seen before) need not fit again.
    const hereBefore = parsed.segments.length === 0 ? await this.init.unfinished.stored(parsed.cid, signal) : undefined
    signal.throwIfAborted()
    // A link that announces more than fits is refused before the sharer learns of this browser.
    if (args.limitFrom === 'link' && maxBytes - (hereBefore?.bytes ?? 0) > room) {
      throw this.roomError(args.path, room, `its link announces ${formatBytes(maxBytes)}${here(hereBefore?.bytes ?? 0)}`, 0)
    }
    const { sharer } = await this.sharerDialer.dial(args.providers ?? [], args.sharer, signal)
    if (sharer != null) onProgress({ type: 'fetch:sharer', sharer })

    const sources = new Map<string, BlockSource>()
    const senders = new Map<string, BlockSource>()
    const foundVia = new Map<string, string>()
    const summary: FetchSummary = { cid: '', bytes: 0, totalBytes: 0, blocks: 0, localBlocks: 0, localBytes: 0, sources: [], sharer, longestBlockWaitMs: 0 }
    const sharerPeer = sharer?.peer

    // Gives up only when nothing arrives for the whole timeout: a big file may take longer than that in total.
    const idle = new AbortController()
    let idleTimer = setTimeout(() => { idle.abort() }, this.init.fetchTimeoutMs)
    const stillAlive = (): void => {
      clearTimeout(idleTimer)
      idleTimer = setTimeout(() => { idle.abort() }, this.init.fetchTimeoutMs)
    }
    // Reaching the agreed size or the quota stops every block still on its way.
    const limit = new AbortController()
    let stopped: Error | undefined
    const stop = (err: Error): never => {
      stopped ??= err
      limit.abort(stopped)
      throw stopped
    }
    let fetchedBytes = 0
    // A walk that fails ends the visits still under way, and waits for them: a fetch that stopped stores
    // nothing after (a block stored after the garbage collection that follows a full disk would fill it again).
    const ended = new AbortController()
    const inFlight = new Set<Promise<Uint8Array>>()
    const stopSignal = AbortSignal.any([signal, idle.signal, limit.signal])
    const walkSignal = AbortSignal.any([stopSignal, ended.signal])
    let lastReport = 0
    const report = (force = false): void => {
      const now = Date.now()
      if (!force && now - lastReport < PROGRESS_INTERVAL_MS) return
      lastReport = now
      // The sharer is listed as soon as its CAR stream starts, but only a source that sent something is one.
      summary.sources = [...sources.values()].filter(source => source.blocks > 0)
      const { bytes, totalBytes, blocks, localBlocks, localBytes } = summary
      onProgress({ type: 'fetch:progress', bytes, totalBytes, blocks, localBlocks, localBytes, sources: summary.sources })
    }

    // Blocks wanted at once: enough bytes on their way to keep the senders busy.
    const window = new WantWindow()
    const onBlockEvent = (event: ProgressEvent): void => {
      if (event.type === 'helia:routing:find-providers:provider') {
        const id = event.detail.provider.id.toString()
        foundVia.set(id, event.detail.router)
        const known = sources.get(id)
        if (known != null) known.foundVia ??= event.detail.router
      } else if (event.type === 'helia:block-broker:receive-block') {
        senders.set(event.detail.cid.toString(), this.source(event.detail.broker, event.detail.provider, sources, sharerPeer, foundVia))
      }
    }

    // Blocks the sharer's CAR stream stored, counted as the sharer's as they arrived.
    const viaCar = new Set<string>()
    // A stream's blocks wait one after the other: the longest gap is the longest wait (a stall, before bitswap takes over).
    let lastCarAt = 0
    const carWaited = (): void => {
      const now = performance.now()
      summary.longestBlockWaitMs = Math.max(summary.longestBlockWaitMs, now - lastCarAt)
      lastCarAt = now
    }
    const onCarBlock = (cid: CID, block: Uint8Array, stopCar: () => void): void => {
      viaCar.add(cid.toString())
      carWaited()
      stillAlive()
      summary.blocks++
      summary.bytes += block.byteLength
      fetchedBytes += block.byteLength
      if (cid.toString() === summary.cid) {
        // A root that declares more than was agreed, or than fits, stops the stream: the walk says why.
        summary.totalBytes = linksOf(cid, block).size
        if (summary.totalBytes > Math.min(maxBytes, room)) stopCar()
      }
      report()
    }

    // The walk's blocks are asked of one session: the sharer alone first when it
    // was reached, else the providers the routers name for the root, found once
    // for the whole DAG. (Outside a session Helia asks the routers again for
    // every block: a request to the delegate per block, which a big file turns
    // into thousands, beyond what a public delegate's rate limit allows.) Only
    // blocks the session's peers lack send it back to the routers, and gateways
    // come last (gateway-fallback.ts).
    let lastFromSession = Date.now()
    // Resolves once the session has delivered nothing for the whole patience: a
    // block that waits its turn behind many others on a slow link is not a stall.
    const patienceMs = this.init.sessionPatienceMs ?? DEFAULT_SESSION_PATIENCE_MS
    const sessionStalled = async (signal: AbortSignal): Promise<void> => {
      do {
        await sleep(Math.max(0, lastFromSession + patienceMs - Date.now()), signal)
      } while (Date.now() - lastFromSession < patienceMs)
    }

    const fetchBlock = async (session: Session, cid: CID, onProgress: (event: ProgressEvent) => void): Promise<Uint8Array> => {
      const anyone = async (signal: AbortSignal): Promise<Uint8Array> => await toBuffer(this.init.helia.blockstore.get(cid, { signal, onProgress }))
      // A session that stays silent (a sharer sending nothing, or bytes that
      // match nothing), or that fails (no provider found), must not hold the
      // fetch up: then every connected peer and the routers are asked as well.
      const race = new AbortController()
      const signal = AbortSignal.any([walkSignal, race.signal])
      const fromSession = toBuffer(session.get(cid, { signal, onProgress })).then(block => { lastFromSession = Date.now(); return block })
      const askEveryone = new Promise<void>((resolve, reject) => {
        fromSession.catch(() => { resolve() })
        sessionStalled(signal).then(resolve, reject)
      })
      try {
        return await Promise.any([fromSession, askEveryone.then(async () => await anyone(signal))])
      } catch (err) {
        throw (err as AggregateError).errors?.[0] ?? err
      } finally {
        race.abort()
      }
    }

    const getBlock = async (session: Session, cid: CID): Promise<Uint8Array> => {
      // Helia reports a block it already holds; asking the store first would read the index twice.
      // A block one path (session or everyone) asked the network for and the other then found
      // stored came over the network all the same.
      let foundStored = false
      let asked = false
      const askedAt = performance.now()
      const fetching = fetchBlock(session, cid, event => {
        if (event.type === 'blocks:get:blockstore:get') foundStored = true
        else asked = true
        onBlockEvent(event)
      })
      inFlight.add(fetching)
      const block = await fetching.finally(() => inFlight.delete(fetching))
      summary.longestBlockWaitMs = Math.max(summary.longestBlockWaitMs, performance.now() - askedAt)
      const local = foundStored && !asked
      // A block the sharer's CAR brought was counted as it arrived.
      if (local && viaCar.has(cid.toString())) { stillAlive(); return block }
      stillAlive()
      summary.blocks++
      summary.bytes += block.byteLength
      if (local) {
        summary.localBlocks++
        summary.localBytes += block.byteLength
      } else {
        fetchedBytes += block.byteLength
        const source = senders.get(cid.toString())
        if (source != null) { source.blocks++; source.bytes += block.byteLength }
      }
      report()
      return block
    }

    let record: RunningFetch | undefined
    let outcome: FetchOutcome = 'stopped'
    let session: Session | undefined
    try {
      const target = parsed.segments.length === 0
        ? parsed.cid
        : CID.parse((await this.init.content.stat(args.path, walkSignal, { onProgress: onBlockEvent })).cid)
      summary.cid = target.toString()
      const hereBytes = (hereBefore ?? await this.init.unfinished.stored(target, walkSignal)).bytes
      record = await this.init.unfinished.begin(target, args)
      // A root found here heads a DAG fetched before, whole or in part: a CAR would bring all of it again.
      if (sharer?.reached === true && !(await this.init.helia.blockstore.has(target, { signal: walkSignal }))) {
        const sharerSource = (): BlockSource => this.source('car', peerIdFromString(sharer.peer).toCID(), sources, sharerPeer, foundVia)
        lastCarAt = performance.now()
        await this.carFromSharer(sharer.peer, target, Math.min(maxBytes, room), walkSignal, sharerSource, onCarBlock)
        carWaited()
      }
      // The sharer is named by its peer ID, connected already: by its addresses Helia would dial it again, and
      // a second dial through a relay may fail, dropping the sharer from the session for good.
      const walkSession = session = this.init.helia.blockstore.createSession(target, { providers: sharer?.reached === true ? [peerIdFromString(sharer.peer).toCID()] : undefined, signal: walkSignal })
      lastFromSession = Date.now()
      await walkInParallel([target], async cid => {
        const links = linksOf(cid, await getBlock(walkSession, cid))
        if (links.cids.length === 0) window.addLeaf(links.size)
        if (cid.equals(target)) {
          // The root's links carry the size of everything under them: a DAG that
          // declares more than was agreed, or than fits, stops before its first leaf.
          summary.totalBytes = links.size
          report(true)
          if (links.size > maxBytes) stop(this.sizeError(args, maxBytes, summary))
          if (links.size - hereBytes > room) stop(this.roomError(args.path, room, `it holds ${formatBytes(links.size)}${here(hereBytes)}`, summary.bytes))
        }
        // Links may understate what is below them: the blocks themselves are counted too.
        if (summary.bytes > maxBytes) stop(this.sizeError(args, maxBytes, summary))
        if (fetchedBytes > room) stop(this.roomError(args.path, room, `it holds more than ${formatBytes(fetchedBytes)}`, summary.bytes))
        return links.cids
      }, { concurrency: () => window.size(), key: String, signal: walkSignal })
      outcome = 'done'
    } catch (err) {
      ended.abort()
      await Promise.allSettled(inFlight)
      if (signal.aborted) throw err
      if (stopped != null) { outcome = 'refused'; throw stopped }
      if (isQuotaError(err)) {
        // The disk is full (the browser's estimate may promise more than the disk holds): give the space back now,
        // once the record no longer keeps it.
        outcome = 'refused'
        await record?.end(outcome)
        void this.init.collectGarbage?.().catch(() => {})
        throw new QuotaExceededError(`Storage is full: the browser refused to store more of ${args.path} after ${formatBytes(summary.bytes)}, so the fetch stopped; the part fetched is being removed to give the space back. If storage stays full, delete files you no longer need and click "Collect garbage" under Files → Storage, then open the link again. Your files are untouched.`)
      }
      if (idle.signal.aborted) throw this.timeoutError(args.path, summary, sharer)
      throw explainReadError(err, args.path, stopSignal, this.init.fetchTimeoutMs)
    } finally {
      clearTimeout(idleTimer)
      session?.close()
      await record?.end(outcome)
    }
    summary.totalBytes = Math.max(summary.totalBytes, summary.bytes)
    report(true)
    return summary
  }

  /**
   * Takes the DAG from the sharer as one CAR stream, when it serves one,
   * storing at most `maxBytes`. Its blocks are the sharer's; what it did not
   * bring is left to the walk, so a stream that fails, stalls or is refused
   * never fails the fetch (a full disk does).
   */
  private async carFromSharer (peer: string, target: CID, maxBytes: number, signal: AbortSignal, sharerSource: () => BlockSource, onBlock: (cid: CID, block: Uint8Array, stop: () => void) => void): Promise<void> {
    const stopped = new AbortController()
    const stop = (): void => { stopped.abort() }
    let car: NonNullable<BlockSource['car']> | undefined
    try {
      const result = await fetchCar(this.init.helia, peerIdFromString(peer), target, {
        maxBytes,
        // Bitswap gets its turn well before the fetch's own timeout.
        stallMs: Math.min(DEFAULT_CAR_STALL_MS, this.init.fetchTimeoutMs / 2),
        signal: AbortSignal.any([signal, stopped.signal]),
        onProgress: event => {
          if (event.type === 'car-fetch:request') {
            car = sharerSource().car ??= { blocks: 0, bytes: 0 }
          } else if (event.type === 'car-fetch:block') {
            const source = sharerSource()
            source.blocks++
            source.bytes += event.detail.bytes.byteLength
            this.init.onCarBytes?.(event.detail.bytes.byteLength)
            if (car != null) { car.blocks++; car.bytes += event.detail.bytes.byteLength }
            onBlock(event.detail.cid, event.detail.bytes, stop)
          }
        }
      })
      // Stopped at the limit, the walk says why; otherwise the stream ended short.
      if (!result.complete && !result.reachedMaxBytes && car != null) car.error = 'the stream ended before the whole DAG had come'
    } catch (err) {
      if (signal.aborted || isQuotaError(err)) throw err
      if (car != null && !(stopped.signal.aborted && isAbortError(err))) car.error = (err as Error).message
    }
  }

  private source (broker: string, provider: CID, sources: Map<string, BlockSource>, sharerPeer: string | undefined, foundVia: Map<string, string>): BlockSource {
    let id: string
    let source: BlockSource
    if (broker === 'trustless-gateway') {
      id = new TextDecoder().decode(provider.multihash.digest)
      source = { kind: 'gateway', id, role: 'gateway', blocks: 0, bytes: 0 }
    } else {
      id = peerIdFromCID(provider).toString()
      const conns = this.init.helia.libp2p.getConnections(peerIdFromCID(provider))
      const relayed = conns.length > 0 && conns.every(isRelayed)
      const role = id === sharerPeer
        ? 'sharer'
        : this.init.bootstrap.some(addr => addr.endsWith(`/p2p/${id}`)) ? 'bootstrap' : 'provider'
      source = { kind: 'peer', id, role, relayed, foundVia: foundVia.get(id), blocks: 0, bytes: 0 }
    }
    const known = sources.get(id)
    if (known != null) return known
    sources.set(id, source)
    return source
  }

  private sizeError (args: FetchArgs, maxBytes: number, summary: FetchSummary): SizeLimitError {
    const what = summary.totalBytes > maxBytes
      ? `it holds ${formatBytes(summary.totalBytes)} (${summary.totalBytes} bytes)`
      : `it turned out to hold more than it declared (over ${formatBytes(summary.bytes)})`
    const stoppedAt = `the fetch stopped after ${formatBytes(summary.bytes)}`
    const kept = 'Your files are untouched; the part fetched is not kept (the next garbage collection removes it).'
    if (args.limitFrom === 'link') {
      return new SizeLimitError(`${args.path} is larger than its link announced: ${what}, the link said ${formatBytes(maxBytes)} (${maxBytes} bytes), so ${stoppedAt}. The link may be damaged or the content not what the sharer meant to send; ask the sharer for a new link. ${kept}`)
    }
    return new SizeLimitError(`${args.path} is larger than the ${formatBytes(maxBytes)} limit you set: ${what}, so ${stoppedAt}. To fetch it anyway, open the link again and set a higher limit. ${kept}`)
  }

  /** The quota (as the browser estimates it) leaves less room than the content needs. */
  private roomError (path: string, room: number, need: string, fetched: number): QuotaExceededError {
    const stoppedAt = fetched > 0 ? `the fetch stopped after ${formatBytes(fetched)}` : 'nothing was fetched'
    return new QuotaExceededError(`Not enough storage for ${path}: ${need} and this browser lets Pollen store about ${formatBytes(room)} more, so ${stoppedAt}. Make room: delete files you no longer need and click "Collect garbage" under Files → Storage${fetched > 0 ? ' (it also removes the part fetched just now)' : ''}, then open the link again. Your files are untouched.`)
  }

  private timeoutError (path: string, summary: FetchSummary, sharer: SharerDial | undefined): TimeoutError {
    const seconds = Math.round(this.init.fetchTimeoutMs / 1000)
    const tried = [
      sharer == null ? undefined : sharer.reached ? 'the sharer (connected, but it did not send the blocks)' : `the sharer (unreachable: ${sharer.error ?? 'no answer'})`,
      `${this.init.helia.libp2p.getConnections().length} connected peer(s)`,
      'providers named by the delegate routers',
      'the trustless gateways'
    ].filter(Boolean).join(', ')
    const got = summary.blocks > 0 ? ` after ${summary.blocks} block(s)` : ''
    const kept = summary.blocks > summary.localBlocks ? ' What arrived is kept (Files → Unfinished fetches), so opening the link again fetches only the rest.' : ''
    return new TimeoutError(`${path} did not arrive: nothing came for ${seconds} s${got}. Tried ${tried}. The content may be offline; try again when its sharer is online, or raise the timeout in Settings.${kept}`)
  }
}
