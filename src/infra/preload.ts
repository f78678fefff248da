/**
 * The preload endpoint, compatible with Kubo's RPC `refs -r`: the caller names
 * a root it has just added, this node walks the DAG, fetching every block over
 * bitswap from whoever has it (normally the caller), and streams one JSON
 * line per reference as Kubo does. Afterwards the blocks stay here for the
 * retention time (preload-retention.ts), so the content outlives the browser
 * tab that added it.
 *
 * Anyone can call it, whatever the Origin check says, so every walk is
 * bounded: in bytes, in time, in walks at once (overall and per client) and
 * in calls per minute (the route's rate limit, http-server.ts).
 */
import { PassThrough } from 'node:stream'
import { normalizeIP } from '@fastify/rate-limit'
import toBuffer from 'it-to-buffer'
import { createUnsafe } from 'multiformats/block'
import { CID } from 'multiformats/cid'
import { walkInParallel } from '../lib/parallel-walk.ts'
import { WantWindow } from '../lib/want-window.ts'
import { PreloadCar, type PreloadCarOutcome } from './preload-car.ts'
import { PreloadStorageFullError, PreloadTooLargeError, type PreloadHold, type PreloadRetention } from './preload-retention.ts'
import type { PreloadLimits } from './options.ts'
import type { Helia } from '@helia/interface'
import type { Libp2p, PeerId } from '@libp2p/interface'
import type { ProgressEvent } from 'progress-events'
import type { FastifyInstance, FastifyReply } from 'fastify'

/** What a refused caller is told to wait: about what a small preload takes. */
export const PRELOAD_RETRY_AFTER_SECONDS = 10

export class PreloadTimeoutError extends Error {
  static name = 'PreloadTimeoutError'
  name = 'PreloadTimeoutError'
}

/** The node is shutting down: walks under way end with this, and the caller may preload again elsewhere or later. */
export class PreloadStoppedError extends Error {
  static name = 'PreloadStoppedError'
  name = 'PreloadStoppedError'
}

/** A Helia node with libp2p: a preload asks a peer for a CAR over one of its connections. */
export type PreloadHelia = Helia & { libp2p: Pick<Libp2p, 'getConnections'> }

export interface PreloadInit {
  helia: PreloadHelia
  retention: PreloadRetention
  allowedOrigins: string[]
  limits: PreloadLimits
}

/** Walks at once, overall and per client. */
class WalkSlots {
  active = 0
  private readonly perClient = new Map<string, number>()
  private readonly max: number
  private readonly maxPerClient: number

  constructor (max: number, maxPerClient: number) {
    this.max = max
    this.maxPerClient = maxPerClient
  }

  /** A function that gives the slot back, or why there is none. */
  take (client: string): (() => void) | 'node-busy' | 'client-busy' {
    const mine = this.perClient.get(client) ?? 0
    if (mine >= this.maxPerClient) return 'client-busy'
    if (this.active >= this.max) return 'node-busy'
    this.active++
    this.perClient.set(client, mine + 1)
    let given = false
    return () => {
      if (given) return
      given = true
      this.active--
      const left = (this.perClient.get(client) ?? 1) - 1
      if (left === 0) this.perClient.delete(client)
      else this.perClient.set(client, left)
    }
  }
}

/** An abort that fires when `touch` has not been called for `ms`, and one after `totalMs` in any case. */
function deadlines (controller: AbortController, idleMs: number, totalMs: number): { touch: () => void, clear: () => void } {
  const total = setTimeout(() => { controller.abort(new PreloadTimeoutError(`the preload did not finish within ${totalMs / 1000} s (--preload-timeout)`)) }, totalMs)
  let idle: ReturnType<typeof setTimeout> | undefined
  const touch = (): void => {
    clearTimeout(idle)
    idle = setTimeout(() => { controller.abort(new PreloadTimeoutError(`no block arrived for ${idleMs / 1000} s (--preload-idle-timeout): does the caller still have it, and is it connected to this node?`)) }, idleMs)
  }
  touch()
  return { touch, clear: () => { clearTimeout(total); clearTimeout(idle) } }
}

interface WalkInit {
  helia: PreloadHelia
  hold: PreloadHold
  recursive: boolean
  /** Aborts the walk; the walk aborts it too when a visit fails. */
  controller: AbortController
  /** A block arrived. */
  onBlock: () => void
  /** A block below the root arrived. */
  onRef: (cid: CID) => void
  /** The walk's ceiling in bytes (a CAR stream stops before it). */
  maxBytes: number
}

/**
 * Walks the DAG under `root` with many blocks in flight (Helia's walkers fetch
 * one at a time, a round trip to the browser each; src/lib/want-window.ts says
 * how many), holding and counting each block. When it fails, it returns only
 * after every fetch in flight has ended: one that ended later would store a
 * block nobody holds.
 */
async function walk (root: CID, init: WalkInit): Promise<PreloadCarOutcome | undefined> {
  const { helia, hold, controller } = init
  const signal = controller.signal
  const inFlight = new Set<Promise<unknown>>()
  const window = new WantWindow()
  let car: PreloadCar | undefined
  const visit = async ({ cid, depth }: { cid: CID, depth: number }): Promise<Array<{ cid: CID, depth: number }>> => {
    await hold.hold(cid)
    await car?.arrival(cid)
    // Which peer sent the root; the other blocks make no progress events (Helia builds several per block).
    let sender: PeerId | undefined
    const onProgress = depth > 0
      ? undefined
      : (event: ProgressEvent): void => {
          if (event.type === 'bitswap:block') sender = (event.detail as { sender: PeerId }).sender
        }
    const bytes = await toBuffer(helia.blockstore.get(cid, { signal, onProgress }))
    hold.count(cid, bytes.byteLength)
    init.onBlock()
    if (depth > 0) init.onRef(cid)
    const block = createUnsafe({ bytes, cid, codec: await helia.getCodec(cid.code) })
    const links = [...block.links()].map(([, link]) => ({ cid: link, depth: depth + 1 }))
    if (links.length === 0) window.addLeaf(bytes.byteLength)
    // The peer that had the root is asked for the rest as one stream (preload-car.ts).
    if (depth === 0 && init.recursive && links.length > 0 && sender != null) {
      car = new PreloadCar({ helia, hold, maxBytes: init.maxBytes, signal }, sender, cid)
      car.done.catch((err: unknown) => { controller.abort(err) })
    }
    return !init.recursive && depth >= 1 ? [] : links
  }
  try {
    await walkInParallel([{ cid: root, depth: 0 }], async item => {
      const visiting = visit(item)
      inFlight.add(visiting)
      visiting.then(() => inFlight.delete(visiting), () => inFlight.delete(visiting))
      return await visiting
    }, { concurrency: () => window.size(), key: ({ cid }) => cid.toString(), signal })
    return await car?.done
  } catch (err) {
    if (!signal.aborted) controller.abort(err)
    await Promise.allSettled([...inFlight, car?.done])
    throw err
  }
}

/** The status a preload that failed before its first line is answered with. */
function statusOf (err: Error): number {
  if (err instanceof PreloadTooLargeError) return 413
  if (err instanceof PreloadStorageFullError) return 507
  if (err instanceof PreloadTimeoutError) return 504
  if (err instanceof PreloadStoppedError) return 503
  return 500
}

/** An error in the shape of Kubo's RPC errors. */
async function refuse (reply: FastifyReply, status: number, message: string): Promise<FastifyReply> {
  return await reply.code(status).send({ Message: message, Code: 0, Type: 'error' })
}

export function preloadRoutes (server: FastifyInstance, init: PreloadInit): void {
  const { helia, retention, limits } = init
  const slots = new WalkSlots(limits.maxWalks, limits.maxWalksPerIp)
  // A walk may run for minutes (--preload-timeout); a stop does not wait for it.
  const walks = new Set<AbortController>()
  server.addHook('preClose', async () => {
    for (const walk of walks) walk.abort(new PreloadStoppedError('this node is stopping: preload again once it is back, or through another node'))
  })

  server.post<{ Querystring: { arg?: string, r?: string } }>('/api/v0/refs', {
    // CORS headers only for the app origins (the rest of the API answers any origin).
    config: { cors: { origin: init.allowedOrigins } }
  }, async (request, reply) => {
    const origin = request.headers.origin
    // The RPC is a simple request (no preflight), so CORS alone cannot stop other sites' pages.
    if (origin != null && !init.allowedOrigins.includes(origin)) {
      return await refuse(reply, 403, `origin ${origin} may not preload here`)
    }
    let root: CID
    try {
      root = CID.parse(request.query.arg ?? '')
    } catch {
      return await refuse(reply, 400, `invalid CID "${request.query.arg ?? ''}"`)
    }
    const held = retention.status()
    if (held.countedBytes >= held.maxHeldBytes) {
      return await refuse(reply.header('Retry-After', PRELOAD_RETRY_AFTER_SECONDS), 507, `this node's preload storage is full (--preload-max-held-bytes ${held.maxHeldBytes}); the next preload expires at ${held.nextExpiry ?? 'unknown'}`)
    }
    const slot = slots.take(normalizeIP(request.ip))
    if (slot === 'client-busy') {
      return await refuse(reply.header('Retry-After', PRELOAD_RETRY_AFTER_SECONDS), 429, `${limits.maxWalksPerIp} preloads from your address are in progress already (--preload-max-walks-per-ip)`)
    }
    if (slot === 'node-busy') {
      return await refuse(reply.header('Retry-After', PRELOAD_RETRY_AFTER_SECONDS), 503, `this node is running ${limits.maxWalks} preloads already (--preload-max-walks); try again shortly`)
    }

    const recursive = request.query.r === 'true' || request.query.r === ''
    const controller = new AbortController()
    walks.add(controller)
    // The response closes when it is sent or when the client goes away; either way the walk is over.
    reply.raw.on('close', () => { controller.abort(new Error('the client closed the connection')) })
    const timers = deadlines(controller, limits.idleTimeoutMs, limits.timeoutMs)
    const hold = retention.beginWalk(limits.maxBytes)
    const out = new PassThrough()
    // Once the client is gone the stream is destroyed; a line written after that is dropped, not thrown.
    out.on('error', () => {})
    const writeLine = (line: Record<string, string>): void => {
      if (!out.destroyed) out.write(`${JSON.stringify(line)}\n`)
    }
    let streamed = false
    const firstLine = Promise.withResolvers<undefined>()

    const outcome = (async (): Promise<Error | undefined> => {
      try {
        const car = await walk(root, {
          helia,
          hold,
          recursive,
          controller,
          onBlock: timers.touch,
          maxBytes: limits.maxBytes,
          onRef: cid => {
            writeLine({ Ref: cid.toString(), Err: '' })
            streamed = true
            firstLine.resolve(undefined)
          }
        })
        const kept = await hold.keep(root)
        request.log.info({ event: 'preload:done', cid: root.toString(), blocks: kept.blocks, bytes: kept.bytes, expiresAt: kept.expiresAt, car })
        return undefined
      } catch (err) {
        // An abort shows up as whatever the fetch threw; its reason says why.
        const error = (controller.signal.aborted ? controller.signal.reason : err) as Error
        await hold.release()
        request.log.warn({ event: 'preload:failed', cid: root.toString(), fetchedBytes: hold.bytes, message: error.message })
        return error
      } finally {
        timers.clear()
        walks.delete(controller)
        slot()
      }
    })()

    // Until the first reference is sent, a failure can still be a status.
    const first = await Promise.race([outcome, firstLine.promise])
    if (!streamed && first != null) return await refuse(reply, statusOf(first), first.message)
    void outcome.then(err => {
      if (err != null) writeLine({ Ref: '', Err: err.message })
      if (!out.destroyed) out.end()
    })
    return await reply
      .header('Content-Type', 'application/json')
      .header('X-Chunked-Output', '1')
      .send(out)
  })

  server.get('/preload', async () => ({ ...retention.status(), walks: slots.active, maxWalks: limits.maxWalks }))

  server.get<{ Params: { cid: string } }>('/preload/:cid', async (request, reply) => {
    let root: CID
    try {
      root = CID.parse(request.params.cid)
    } catch {
      return await reply.code(400).type('text/plain').send(`invalid CID "${request.params.cid}"`)
    }
    const kept = retention.get(root)
    if (kept == null) return await reply.code(404).type('text/plain').send(`${root} is not preloaded here (or its retention ended)`)
    return kept
  })
}
