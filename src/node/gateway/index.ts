/**
 * Pollen's gateway, in the node: one parse of each request, then the first
 * request handler that can handle it answers (refusals and CORS preflights
 * before any lookup; content through @helia/verified-fetch and the response
 * handlers). Finding content is bounded by the fetch timeout, which ends in
 * a 504 page instead of a hang.
 */
import { parseRequest } from './request.ts'
import { canonicalName, preflight, refusal } from './request-handlers.ts'
import { verifiedContent } from './verified-content.ts'
import type { GatewayComponents, RequestHandler } from './handler.ts'
import type { GatewayProgress, GatewayRequest, GatewayResponse } from '../../lib/protocol.ts'

export type { GatewayComponents } from './handler.ts'
export { refused } from './pages.ts'

export interface GatewayHandleOptions {
  signal: AbortSignal
  onProgress: (event: GatewayProgress) => void
}

export class NodeGateway {
  /** In order: the first whose canHandle holds answers. */
  private readonly handlers: readonly RequestHandler[] = [preflight, refusal, canonicalName, verifiedContent()]

  constructor (private readonly components: GatewayComponents) {}

  async handle (original: GatewayRequest, options: GatewayHandleOptions): Promise<GatewayResponse> {
    options.onProgress({ type: 'gateway:accepted' })
    const request = parseRequest(original)
    // The timeout covers finding the content (and a listing's entries); once
    // the response starts, a long stream (a video) takes as long as it takes.
    const timeout = new AbortController()
    const timer = setTimeout(() => { timeout.abort(new DOMException('gateway timeout', 'TimeoutError')) }, this.components.config.fetchTimeoutSeconds * 1000)
    try {
      const handler = this.handlers.find(h => h.canHandle(request))!
      return await handler.handle(request, { components: this.components, signal: AbortSignal.any([options.signal, timeout.signal]), caller: options.signal })
    } finally {
      clearTimeout(timer)
    }
  }
}
