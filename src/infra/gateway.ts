/**
 * A trustless gateway over the local blockstore: `/ipfs/<cid>` as a raw block
 * or a CAR of the whole DAG, chosen by `?format=` or the Accept header, as in
 * the Trustless Gateway spec. It serves only what this node has.
 */
import { Readable } from 'node:stream'
import { car } from '@helia/car'
import { CID } from 'multiformats/cid'
import type { Helia } from '@helia/interface'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

const RAW = 'application/vnd.ipld.raw'
const CAR = 'application/vnd.ipld.car'
const IMMUTABLE = 'public, max-age=29030400, immutable'

function wantedFormat (request: FastifyRequest<{ Querystring: { format?: string } }>): 'raw' | 'car' | undefined {
  const format = request.query.format
  if (format === 'raw' || format === 'car') return format
  const accept = request.headers.accept ?? ''
  if (accept.includes(RAW)) return 'raw'
  if (accept.includes(CAR)) return 'car'
  return undefined
}

export function gatewayRoutes (server: FastifyInstance, helia: Helia): void {
  const cars = car(helia as any)
  const handler = async (request: FastifyRequest<{ Params: { cid: string, '*'?: string }, Querystring: { format?: string } }>, reply: FastifyReply): Promise<FastifyReply> => {
    let cid: CID
    try {
      cid = CID.parse(request.params.cid)
    } catch {
      return await reply.code(400).type('text/plain').send(`invalid CID "${request.params.cid}"`)
    }
    const format = wantedFormat(request)
    if (format == null) {
      return await reply.code(406).type('text/plain').send(`this is a trustless gateway: ask for ?format=raw or ?format=car (Accept: ${RAW} or ${CAR})`)
    }
    if ((request.params['*'] ?? '') !== '') {
      return await reply.code(400).type('text/plain').send('paths below the root are not served here; request the root CID')
    }
    reply.header('Cache-Control', IMMUTABLE).header('X-Content-Type-Options', 'nosniff').header('Vary', 'Accept')
    if (format === 'raw') {
      if (!(await helia.blockstore.has(cid))) return await reply.code(404).type('text/plain').send(`block ${cid} is not here`)
      const chunks: Uint8Array[] = []
      for await (const chunk of helia.blockstore.get(cid, { offline: true } as any)) chunks.push(chunk)
      return await reply
        .type(RAW)
        .header('ETag', `"${cid}.raw"`)
        .header('Content-Disposition', `attachment; filename="${cid}.bin"`)
        .send(Buffer.concat(chunks))
    }
    if (!(await helia.blockstore.has(cid))) return await reply.code(404).type('text/plain').send(`block ${cid} is not here`)
    return await reply
      .type(`${CAR}; version=1`)
      .header('ETag', `"${cid}.car"`)
      .header('Content-Disposition', `attachment; filename="${cid}.car"`)
      .send(Readable.from(cars.export(cid, { offline: true })))
  }
  server.get('/ipfs/:cid', handler)
  server.get('/ipfs/:cid/*', handler)
}
