/**
 * The preload endpoint, compatible with Kubo's RPC `refs -r`: the caller names
 * a root it has just added, this node walks the DAG, fetching every block over
 * bitswap from whoever has it (normally the caller), and streams one JSON
 * line per reference as Kubo does. Afterwards the blocks stay here, so the
 * content outlives the browser tab that added it.
 */
import { PassThrough } from 'node:stream'
import { depthFirstWalker } from '@helia/utils'
import { CID } from 'multiformats/cid'
import type { Helia } from '@helia/interface'
import type { FastifyInstance } from 'fastify'

/** A preload that has not finished by then is abandoned. */
export const DEFAULT_PRELOAD_TIMEOUT_MS = 5 * 60 * 1000

export interface PreloadInit {
  helia: Helia
  allowedOrigins: string[]
  timeoutMs?: number
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
        const walker = depthFirstWalker()({ blockstore: init.helia.blockstore, getCodec: init.helia.getCodec })
        for await (const node of walker.walk(root, { signal, depth: recursive ? Infinity : 1 })) {
          if (node.depth > 0) out.write(`${JSON.stringify({ Ref: node.block.cid.toString(), Err: '' })}\n`)
        }
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
