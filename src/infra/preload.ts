/**
 * The preload endpoint, compatible with Kubo's RPC `refs -r`: the caller names
 * a root it has just added, this node walks the DAG, fetching every block over
 * bitswap from whoever has it (normally the caller), and streams one JSON
 * line per reference as Kubo does. Afterwards the blocks stay here, so the
 * content outlives the browser tab that added it.
 */
import { PassThrough } from 'node:stream'
import toBuffer from 'it-to-buffer'
import { createUnsafe } from 'multiformats/block'
import { CID } from 'multiformats/cid'
import { walkInParallel } from '../lib/parallel-walk.ts'
import { retryStalled } from '../lib/retry-stalled.ts'
import type { Helia } from '@helia/interface'
import type { FastifyInstance } from 'fastify'

/** A preload that has not finished by then is abandoned. */
export const DEFAULT_PRELOAD_TIMEOUT_MS = 5 * 60 * 1000
/**
 * Blocks asked for at once. Helia's walkers fetch one block at a time, a
 * round trip to the browser each; a preload pull is all round trips.
 */
export const DEFAULT_PRELOAD_CONCURRENCY = 16

/** A block that has not arrived by then is wanted again (see src/lib/retry-stalled.ts). */
export const DEFAULT_BLOCK_STALL_MS = 10_000

export interface PreloadInit {
  helia: Helia
  allowedOrigins: string[]
  timeoutMs?: number
  concurrency?: number
}

/** Walks the DAG under `root` with `concurrency` blocks in flight; calls `onRef` for each block below the root. */
async function walk (helia: Helia, root: CID, recursive: boolean, concurrency: number, signal: AbortSignal, onRef: (cid: CID) => void): Promise<void> {
  await walkInParallel([{ cid: root, depth: 0 }], async ({ cid, depth }) => {
    const bytes = await retryStalled(async attemptSignal => await toBuffer(helia.blockstore.get(cid, { signal: attemptSignal })), { stallMs: DEFAULT_BLOCK_STALL_MS, signal })
    if (depth > 0) onRef(cid)
    if (!recursive && depth >= 1) return []
    const block = createUnsafe({ bytes, cid, codec: await helia.getCodec(cid.code) })
    return [...block.links()].map(([, link]) => ({ cid: link, depth: depth + 1 }))
  }, { concurrency, key: ({ cid }) => cid.toString(), signal })
}

export function preloadRoutes (server: FastifyInstance, init: PreloadInit): void {
  const timeoutMs = init.timeoutMs ?? DEFAULT_PRELOAD_TIMEOUT_MS
  server.post<{ Querystring: { arg?: string, r?: string } }>('/api/v0/refs', {
    // CORS headers only for the app origins (the rest of the API answers any origin).
    config: { cors: { origin: init.allowedOrigins } }
  }, async (request, reply) => {
    const origin = request.headers.origin
    // The RPC is a simple request (no preflight), so CORS alone cannot stop other sites.
    if (origin != null && !init.allowedOrigins.includes(origin)) {
      return await reply.code(403).send({ Message: `origin ${origin} may not preload here`, Code: 0, Type: 'error' })
    }
    let root: CID
    try {
      root = CID.parse(request.query.arg ?? '')
    } catch {
      return await reply.code(400).send({ Message: `invalid CID "${request.query.arg ?? ''}"`, Code: 0, Type: 'error' })
    }
    const recursive = request.query.r === 'true' || request.query.r === ''
    const controller = new AbortController()
    request.raw.on('close', () => { controller.abort() })
    const signal = AbortSignal.any([controller.signal, AbortSignal.timeout(timeoutMs)])
    const out = new PassThrough()
    void (async () => {
      try {
        await walk(init.helia, root, recursive, init.concurrency ?? DEFAULT_PRELOAD_CONCURRENCY, signal, cid => {
          out.write(`${JSON.stringify({ Ref: cid.toString(), Err: '' })}\n`)
        })
        request.log.info({ event: 'preload:done', cid: root.toString() })
      } catch (err) {
        request.log.warn({ event: 'preload:failed', cid: root.toString(), err })
        out.write(`${JSON.stringify({ Ref: '', Err: (err as Error).message })}\n`)
      } finally {
        out.end()
      }
    })()
    return await reply
      .header('Content-Type', 'application/json')
      .header('X-Chunked-Output', '1')
      .send(out)
  })
}
