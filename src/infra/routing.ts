/**
 * The Delegated Routing V1 HTTP API, from @helia/delegated-routing-v1-http-api-server,
 * with two things changed for a public node:
 *
 * - The IPNS PUT body is read by Fastify with a 10 KiB limit (413 beyond). The
 *   package's own parser reads the whole body into memory with no limit,
 *   and Fastify's bodyLimit does not apply to a parser that takes the raw stream.
 * - A published record is kept only by the capped IPNS store (ipns-records.ts).
 *   Through helia.routing it would also go to the DHT, which keeps its own copy
 *   of every record, without limit or expiry.
 */
import routes from '@helia/delegated-routing-v1-http-api-server/routes'
import { IpnsRecordNotFoundError, type IpnsRecords } from './ipns-records.ts'
import type { Helia, Routing } from '@helia/interface'
import type { FastifyInstance } from 'fastify'

export const IPNS_RECORD_CONTENT_TYPE = 'application/vnd.ipfs.ipns-record'
/** The IPNS record spec's ceiling (the ipns package refuses larger records too). */
export const IPNS_RECORD_MAX_BYTES = 10 * 1024
export const IPNS_PUT_URL = '/routing/v1/ipns/:name'

export function routingRoutes (server: FastifyInstance, helia: Helia, ipns: IpnsRecords): void {
  const routing: Routing = {
    provide: async (...args) => { await helia.routing.provide(...args) },
    cancelReprovide: async (...args) => { await helia.routing.cancelReprovide(...args) },
    findProviders: (...args) => helia.routing.findProviders(...args),
    findPeer: async (...args) => await helia.routing.findPeer(...args),
    getClosestPeers: (...args) => helia.routing.getClosestPeers(...args),
    // The API server answers "not found" only when the first router to fail
    // says so; whichever router fails first, no router having it is a not found.
    get: async (...args) => {
      try {
        return await helia.routing.get(...args)
      } catch (err) {
        throw new IpnsRecordNotFoundError(`no router has a record for this name: ${(err as Error).message}`)
      }
    },
    put: async (...args) => { await ipns.put(...args) }
  }
  // The routes read nothing of Helia but its routing (and the package's
  // Helia type comes from its own copy of @helia/interface).
  routes(server, { routing } as unknown as Parameters<typeof routes>[1])
  server.removeContentTypeParser(IPNS_RECORD_CONTENT_TYPE)
  server.addContentTypeParser(IPNS_RECORD_CONTENT_TYPE, { parseAs: 'buffer', bodyLimit: IPNS_RECORD_MAX_BYTES }, (_request, body, done) => { done(null, body) })
}
