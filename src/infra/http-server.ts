/**
 * The infra node's HTTP server, with the limits every endpoint shares: header
 * size, body size, request and idle timeouts, open connections, a per-IP rate
 * limit (@fastify/rate-limit) and the CORS policy (options.ts, USAGE).
 */
import cors, { type FastifyCorsOptions } from '@fastify/cors'
import rateLimit from '@fastify/rate-limit'
import fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import type { HttpLimits } from './options.ts'

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A route's own CORS options, which @fastify/cors reads (its types do not declare them). */
    cors?: FastifyCorsOptions | false
  }
}

/** Rate limits count requests per minute. */
export const RATE_LIMIT_WINDOW_MS = 60_000
/**
 * How often Node.js checks requests against their timeouts. Its default,
 * 30 s, would let a slow request run up to that much past them.
 */
export const TIMEOUT_CHECK_INTERVAL_MS = 1000
/** Clients tracked by the rate limiter at once (least recently seen forgotten first): bounds its memory. */
export const RATE_LIMIT_TRACKED_CLIENTS = 10_000

/** How often refusals by the rate limit are summed up in the log. */
export const REFUSALS_LOG_INTERVAL_MS = 60_000

/**
 * One log line per request, when it ends, saying what it was and how it
 * ended; none for the requests the rate limit refuses, which under a flood
 * would be a flood of lines (on disk, and CPU to write them): those are
 * counted per address and summed up every REFUSALS_LOG_INTERVAL_MS.
 */
class RequestLog extends LogController {
  /** Refusals since the last summary, per address (at most RATE_LIMIT_TRACKED_CLIENTS of them). */
  readonly refusals = new Map<string, number>()
  refusedElsewhere = 0

  override incomingRequest (): void {}

  override requestCompleted (error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (reply.statusCode === 429) {
      if (this.refusals.has(request.ip) || this.refusals.size < RATE_LIMIT_TRACKED_CLIENTS) this.refusals.set(request.ip, (this.refusals.get(request.ip) ?? 0) + 1)
      else this.refusedElsewhere++
      return
    }
    if (error != null) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored')
    else reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed')
  }

  override defaultErrorLog (error: Error, request: FastifyRequest, reply: FastifyReply): void {
    if (reply.statusCode === 429) return
    super.defaultErrorLog(error, request, reply)
  }

  /** The refusals since the last call, for the log, or nothing if there were none. */
  takeRefusals (): Record<string, unknown> | undefined {
    if (this.refusals.size === 0) return undefined
    const busiest = [...this.refusals].sort(([, a], [, b]) => b - a).slice(0, 5).map(([address, requests]) => ({ address, requests }))
    const requests = [...this.refusals.values()].reduce((sum, n) => sum + n, this.refusedElsewhere)
    const summary = { event: 'rate-limit:refused', requests, addresses: this.refusals.size, busiest }
    this.refusals.clear()
    this.refusedElsewhere = 0
    return summary
  }
}

/** A route with a rate limit of its own instead of the server's. */
export interface RouteRateLimit {
  method: string
  url: string
  /** Requests per minute per IP address. */
  max: number
}

export async function createHttpServer (limits: HttpLimits, routeLimits: RouteRateLimit[]): Promise<FastifyInstance> {
  const log = new RequestLog()
  const server = fastify({
    logger: true,
    logController: log,
    bodyLimit: limits.bodyLimit,
    // Silence both ways (Node's socket timeout).
    connectionTimeout: limits.idleTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    trustProxy: limits.trustProxy.length > 0 ? limits.trustProxy : false,
    http: {
      maxHeaderSize: limits.maxHeaderBytes,
      // Node's own default (60 s) would outlast a shorter request timeout.
      headersTimeout: limits.requestTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS
    }
  })
  server.server.maxConnections = limits.maxConnections
  const summarise = (): void => {
    const refusals = log.takeRefusals()
    if (refusals != null) server.log.warn(refusals)
  }
  const summaries = setInterval(summarise, REFUSALS_LOG_INTERVAL_MS)
  summaries.unref()
  server.addHook('onClose', async () => {
    clearInterval(summaries)
    summarise()
  })
  // A close waits for every connection. One whose response was under way when
  // it began stays open for keep-alive (72 s) once that response is sent, as
  // only requests that arrive while closing are told `Connection: close`.
  let closing = false
  server.addHook('preClose', async () => { closing = true })
  server.addHook('onResponse', async request => {
    if (closing) request.raw.socket?.end()
  })

  // Gives routes their own limits by method and URL, also those another
  // package registers (the delegated routing server). Added before the
  // rate-limit plugin, whose own onRoute hook reads the config this sets.
  server.addHook('onRoute', route => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    const limit = routeLimits.find(l => methods.includes(l.method) && l.url === route.url)
    if (limit != null) route.config = { ...route.config, rateLimit: { max: limit.max, timeWindow: RATE_LIMIT_WINDOW_MS } }
  })
  // The read-only API answers any origin; the preload route narrows it (preload.ts).
  await server.register(cors, { origin: '*', methods: ['GET', 'HEAD', 'OPTIONS'], strictPreflight: false })
  await server.register(rateLimit, { max: limits.rateLimit, timeWindow: RATE_LIMIT_WINDOW_MS, cache: RATE_LIMIT_TRACKED_CLIENTS })
  // Unknown URLs count too, so they cannot be probed without limit.
  server.setNotFoundHandler({ preHandler: server.rateLimit() }, async (_request, reply) => {
    return await reply.code(404).type('text/plain').send('not found: this node serves /routing/v1/, POST /api/v0/refs, /ipfs/ and /preload')
  })
  return server
}
