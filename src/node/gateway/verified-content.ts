/**
 * The request handler that reads content: @helia/verified-fetch over this
 * node's Helia (blocks from the one blockstore, peers, delegates and gateways
 * of the node, verified), its answer passed through the response handlers.
 */
import { createVerifiedFetch, type VerifiedFetch } from '@helia/verified-fetch'
import { checkedResource } from '../content-guard.ts'
import { page, refused, timedOut } from './pages.ts'
import { RESPONSE_HANDLERS } from './response-handlers.ts'
import type { HandlerContext, RequestHandler } from './handler.ts'
import type { ParsedRequest } from './request.ts'
import type { GatewayResponse } from '../../lib/protocol.ts'

export function verifiedContent (): RequestHandler {
  let verifiedFetch: Promise<VerifiedFetch> | undefined
  return {
    name: 'verified-content',
    canHandle: () => true,
    async handle (request, context) {
      verifiedFetch ??= createVerifiedFetch(context.components.helia)
      const fetch = await verifiedFetch
      const { config } = context.components
      try {
        const response = await fetch(checkedResource(request.original), {
          method: request.method,
          headers: [...[...request.headers].filter(([name]) => name !== 'accept'), ['accept', request.accept]],
          signal: context.signal,
          redirect: 'manual',
          // Gateways on loopback, the LAN or plain http only where the user (or a
          // local deployment) allows private addresses: otherwise a provider record
          // could make any page send requests into the user's network.
          allowLocal: config.dialPrivateAddresses,
          allowInsecure: config.dialPrivateAddresses
        })
        const handler = RESPONSE_HANDLERS.find(h => h.canHandle(request, response, context))!
        return await handler.handle(request, response, context)
      } catch (err) {
        return failed(request, err, context)
      }
    }
  }
}

/** What a thrown error means to the browser; a cancelled call stays cancelled. */
function failed (request: ParsedRequest, err: unknown, context: HandlerContext): GatewayResponse {
  if (context.caller.aborted) throw err
  const name = (err as Error).name
  if (context.signal.aborted || name === 'AbortError' || name === 'TimeoutError') return timedOut(request, context.components)
  if (name === 'NotFoundError' || name === 'DoesNotExistError') return page({ status: 404, title: 'Not found', explanation: [`${request.described} does not exist.`] })
  if (name === 'InvalidCidError' || name === 'InvalidParametersError' || name === 'OutsideRootError') return refused(400, `${request.described} cannot be read: ${(err as Error).message}`)
  return page({ status: 502, title: 'Could not load', explanation: [`Reading ${request.described} failed: ${(err as Error).message}`], retry: true })
}

