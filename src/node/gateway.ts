/**
 * The gateway's request handling, in the node: @helia/verified-fetch over
 * this node's Helia (so blocks come from the one blockstore, peers, delegates
 * and gateways of the node, verified), plus what it lacks: an HTML directory
 * listing, error pages that say what was tried, path mode's trust rule, and
 * a timeout on finding content that ends in 504 instead of a hang.
 */
import { createVerifiedFetch, type VerifiedFetch } from '@helia/verified-fetch'
import { CID } from 'multiformats/cid'
import { canonicalRoot } from '../lib/gateway-url.ts'
import { checkedResource } from './content-guard.ts'
import { directoryListingPage, generatedPageHeaders } from '../lib/gateway-pages.ts'
import { acceptOf, describe, headersFor, pathSegments, refusal, wantsListing } from './gateway-request.ts'
import { errorFrom, isRedirect, isUnverifiedRecord, page, parseError, redirectInBrowserTerms, refused, textStream, unverifiedRecord, untrustedPage, withDownload } from './gateway-responses.ts'
import type { ContentReader } from './content.ts'
import type { NodeConfig } from '../lib/config.ts'
import type { GatewayProgress, GatewayRequest, GatewayResponse } from '../lib/protocol.ts'
import type { Helia } from '@helia/interface'

export interface GatewayComponents {
  helia: Helia
  content: ContentReader
  config: NodeConfig
  /** How many peers the node is connected to, for the 504 page. */
  connectedPeers: () => number
  /** Roots (canonicalRoot) the user trusts to run pages on the app origin (path mode). */
  trusted: { has: (root: string) => boolean }
}

export interface GatewayHandleOptions {
  signal: AbortSignal
  onProgress: (event: GatewayProgress) => void
}

/**
 * Types a browser may run script from when it shows them as a document:
 * never from an untrusted root on the app origin. (Any +xml type renders as
 * XML, XML can carry script, and an XSL stylesheet can write a page.)
 */
const ACTIVE_TYPES = /^\s*(text\/html|text\/xml|text\/xsl|application\/xml|[a-z0-9.+-]+\/[^;\s]*\+xml)\s*(;|$)/i

/** Active, or of no stated type (which a browser may sniff into something active). */
function mayRunScript (type: string): boolean {
  return type.trim() === '' || ACTIVE_TYPES.test(type)
}
const DAG_PB_TYPE = 'application/vnd.ipld.dag-pb'

export class NodeGateway {
  private verifiedFetch?: Promise<VerifiedFetch>

  constructor (private readonly components: GatewayComponents) {}

  private get timeoutMs (): number {
    return this.components.config.fetchTimeoutSeconds * 1000
  }

  async handle (request: GatewayRequest, options: GatewayHandleOptions): Promise<GatewayResponse> {
    options.onProgress({ type: 'gateway:accepted' })
    const refusing = refusal(request)
    if (refusing != null) return refused(refusing.status, refusing.reason)

    this.verifiedFetch ??= createVerifiedFetch(this.components.helia)
    const fetch = await this.verifiedFetch
    const { config } = this.components
    // The timeout covers finding the content (and a listing's entries); once
    // the response starts, a long stream (a video) takes as long as it takes.
    const timeout = new AbortController()
    const timer = setTimeout(() => { timeout.abort(new DOMException('gateway timeout', 'TimeoutError')) }, this.timeoutMs)
    const signal = AbortSignal.any([options.signal, timeout.signal])
    try {
      const response = await fetch(await this.resource(request, signal), {
        method: request.method,
        headers: headersFor(request),
        signal,
        redirect: 'manual',
        // Gateways on loopback, the LAN or plain http only where the user (or a
        // local deployment) allows private addresses: otherwise a provider record
        // could make any page send requests into the user's network.
        allowLocal: config.dialPrivateAddresses,
        allowInsecure: config.dialPrivateAddresses
      })
      return await this.answer(request, response, signal)
    } catch (err) {
      if (options.signal.aborted) throw err
      const name = (err as Error).name
      if (timeout.signal.aborted || name === 'AbortError' || name === 'TimeoutError') return this.timedOut(request)
      if (name === 'NotFoundError' || name === 'DoesNotExistError') return page({ status: 404, title: 'Not found', explanation: [`${describe(request)} does not exist.`] })
      if (name === 'InvalidCidError' || name === 'InvalidParametersError' || name === 'OutsideRootError') return refused(400, `${describe(request)} cannot be read: ${(err as Error).message}`)
      return page({ status: 502, title: 'Could not load', explanation: [`Reading ${describe(request)} failed: ${(err as Error).message}`], retry: true })
    } finally {
      clearTimeout(timer)
    }
  }

  /** verified-fetch's response, turned into what the browser gets. */
  private async answer (request: GatewayRequest, response: Response, signal: AbortSignal): Promise<GatewayResponse> {
    if (response.status === 504) {
      const error = parseError(await response.text())
      return isUnverifiedRecord(error.name) ? unverifiedRecord(request, error.message) : this.timedOut(request, error.message)
    }
    if (isRedirect(response.status)) {
      await response.body?.cancel()
      return redirectInBrowserTerms(request, response)
    }
    if (response.status >= 400) return errorFrom(request, response.status, response.statusText, await response.text())
    if (isDirectoryBlock(response) && wantsListing(request)) return await this.listing(request, response, signal)
    if (request.form === 'path') {
      const type = response.headers.get('content-type') ?? ''
      // An image is never run as a document, whatever its type (an SVG in <img> runs no script).
      if (mayRunScript(type) && request.destination !== 'image' && !this.components.trusted.has(canonicalRoot(request.namespace, request.root))) {
        await response.body?.cancel()
        return untrustedPage(request)
      }
      // On the app origin nothing may be sniffed into something that runs, and
      // a trusted page (which runs with Pollen's rights) is framed by Pollen only.
      response.headers.set('x-content-type-options', 'nosniff')
      response.headers.append('content-security-policy', "frame-ancestors 'self'")
    }
    if (request.method === 'HEAD') await response.body?.cancel()
    return {
      status: response.status,
      statusText: response.statusText,
      headers: withDownload(request, [...response.headers]),
      body: request.method === 'HEAD' ? null : response.body
    }
  }

  /**
   * What verified-fetch is asked for. Its TAR export walks the request's
   * path a second time below the already-resolved target (8.0.4 builds
   * `/ipfs/<target><path>`), which fails for any path but the root: a TAR of
   * a path is asked for as the TAR of the CID that path resolves to.
   */
  private async resource (request: GatewayRequest, signal: AbortSignal): Promise<string> {
    if (!acceptOf(request).includes('application/x-tar') || request.namespace !== 'ipfs' || request.path === '/') return checkedResource(request)
    const target = await this.components.content.resolve(CID.parse(request.root), (pathSegments(request) ?? []).join('/'), signal)
    return checkedResource({ ...request, root: target.toString(), path: '/' })
  }

  private async listing (request: GatewayRequest, response: Response, signal: AbortSignal): Promise<GatewayResponse> {
    await response.body?.cancel()
    const roots = (response.headers.get('x-ipfs-roots') ?? '').split(',').filter(Boolean)
    const directory = CID.parse(roots.at(-1) ?? request.root)
    const etag = `"DirIndex-${directory.toString()}"`
    const headers: Array<[string, string]> = [['etag', etag], ['x-ipfs-roots', roots.join(',')]]
    const cacheControl = response.headers.get('cache-control')
    if (cacheControl != null) headers.push(['cache-control', cacheControl])
    if (request.headers.some(([name, value]) => name.toLowerCase() === 'if-none-match' && value.split(',').map(v => v.trim()).includes(etag))) {
      return { status: 304, statusText: 'Not Modified', headers, body: null }
    }
    const entries = await this.components.content.list(directory, signal)
    const body = directoryListingPage(describe(request), `${request.base}${request.path}`, directory.toString(), entries.map(entry => ({
      name: entry.name, cid: entry.cid, size: entry.size, directory: entry.type === 'directory'
    })))
    return { status: 200, statusText: 'OK', headers: [...generatedPageHeaders(body), ...headers], body: request.method === 'HEAD' ? null : textStream(body) }
  }

  /** @param details what verified-fetch said, when it gave up itself */
  private timedOut (request: GatewayRequest, details?: string): GatewayResponse {
    const { config, connectedPeers } = this.components
    const peers = connectedPeers()
    // Kinds and counts only: the page is shown to content origins, which need not learn the user's settings.
    const count = (n: number, what: string): string => n === 0 ? `No ${what}s are set` : `${n} ${what}${n === 1 ? '' : 's'}`
    return page({
      status: 504,
      title: 'Gateway timeout',
      explanation: [
        `${describe(request)} did not arrive within ${Math.round(this.timeoutMs / 1000)} s.`,
        'The content may be offline, or nobody this node can reach has it. Try again later, check the Peers screen, or raise the fetch timeout in Settings.',
        ...(details == null || details === '' ? [] : [`Details: ${details}`])
      ],
      tried: [
        'The blocks stored in this browser',
        `${peers} connected peer${peers === 1 ? '' : 's'} (bitswap)`,
        count(config.delegates.length, 'delegate router'),
        count(config.gateways.length, 'trustless gateway')
      ],
      retry: true
    })
  }
}

function isDirectoryBlock (response: Response): boolean {
  return response.status === 200 && response.headers.get('content-type') === DAG_PB_TYPE && /directory/.test(response.headers.get('x-unixfs-type') ?? '')
}
