/**
 * The preload endpoint, compatible with Kubo's RPC `refs -r`: the caller names
 * a root it has just added, this node walks the DAG, fetching every block over
 * bitswap from whoever has it (normally the caller), and streams one JSON
 * line per reference as Kubo does. Afterwards the blocks stay here, so the
 * content outlives the browser tab that added it.
 */
import { PassThrough } from 'node:stream'
import { createUnsafe } from 'multiformats/block'
import { CID } from 'multiformats/cid'
import type { Helia } from '@helia/interface'
import type { FastifyInstance } from 'fastify'

/** A preload that has not finished by then is abandoned. */
export const DEFAULT_PRELOAD_TIMEOUT_MS = 5 * 60 * 1000
/**
 * Blocks asked for at once. Helia's walkers fetch one block at a time, a
 * round trip to the browser each; a preload pull is all round trips.
 */
export const DEFAULT_PRELOAD_CONCURRENCY = 16

/** Walks the DAG under `root` breadth-first with `concurrency` blocks in flight; calls `onRef` for each child. */
async function walk (helia: Helia, root: CID, recursive: boolean, concurrency: number, signal: AbortSignal, onRef: (cid: CID) => void): Promise<void> {
  const queue: Array<{ cid: CID, depth: number }> = [{ cid: root, depth: 0 }]
  const seen = new Set([root.toString()])
  let failure: unknown
  const worker = async (): Promise<void> => {
    while (queue.length > 0 && failure == null) {
      const { cid, depth } = queue.shift()!
      const chunks: Uint8Array[] = []
      for await (const chunk of helia.blockstore.get(cid, { signal })) chunks.push(chunk)
      if (depth > 0) onRef(cid)
      if (!recursive && depth >= 1) continue
      const bytes = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)
      const block = createUnsafe({ bytes, cid, codec: await helia.getCodec(cid.code) })
      for (const [, link] of block.links()) {
        if (!seen.has(link.toString())) { seen.add(link.toString()); queue.push({ cid: link, depth: depth + 1 }) }
      }
    }
  }
  // Workers stop when the queue runs dry; blocks still arriving may refill it.
  while (queue.length > 0) {
    await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
      try { await worker() } catch (err) { failure ??= err }
    }))
    if (failure != null) throw failure
  }
}

export interface PreloadInit {
  helia: Helia
  allowedOrigins: string[]
  timeoutMs?: number
  concurrency?: number
}

export function preloadRoutes (server: FastifyInstance, init: PreloadInit): void {
  const timeoutMs = init.timeoutMs ?? DEFAULT_PRELOAD_TIMEOUT_MS
  server.post<{ Querystring: { arg?: string, r?: string } }>('/api/v0/refs', async (request, reply) => {
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
