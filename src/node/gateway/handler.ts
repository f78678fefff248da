/**
 * The gateway's two chains: request handlers, tried in order on the parsed
 * request until one can handle it, and response handlers, tried in order on
 * what verified-fetch answered. Each owns one concern.
 */
import type { ParsedRequest } from './request.ts'
import type { ContentReader } from '../content.ts'
import type { NodeConfig } from '../../lib/config.ts'
import type { GatewayResponse } from '../../lib/protocol.ts'
import type { Helia } from '@helia/interface'

export interface GatewayComponents {
  helia: Helia
  content: ContentReader
  config: NodeConfig
  /** How many peers the node is connected to, for the 504 page. */
  connectedPeers: () => number
  /** Roots (canonicalRoot) the user trusts to run pages on the app origin (path mode). */
  trusted: { has: (root: string) => boolean }
  /** The app's host (and port): generated pages on a content origin link to the path gateway there. */
  appHost: string
}

export interface HandlerContext {
  components: GatewayComponents
  /** Aborted when the caller goes away or the content took too long to find. */
  signal: AbortSignal
  /** Aborted when the caller goes away only. */
  caller: AbortSignal
}

export interface RequestHandler {
  readonly name: string
  canHandle: (request: ParsedRequest) => boolean
  handle: (request: ParsedRequest, context: HandlerContext) => Promise<GatewayResponse>
}

export interface ResponseHandler {
  readonly name: string
  canHandle: (request: ParsedRequest, response: Response, context: HandlerContext) => boolean
  handle: (request: ParsedRequest, response: Response, context: HandlerContext) => Promise<GatewayResponse>
}
