/**
 * Serves content requests from the node: turns a fetch event into a
 * GatewayRequest, and the node's answer (its body a transferred stream) into
 * a Response. Without a node, a navigation gets the boot document, which
 * opens the node and comes back; a subresource waits for a port.
 */
import { errorPage, generatedPageHeaders } from '../lib/gateway-pages.ts'
import { browserLocation, type ContentRequest } from '../lib/gateway-url.ts'
import type { GatewayResponse } from '../lib/protocol.ts'
import type { NodePort } from './node-port.ts'

/** How long a subresource waits for a page to connect the node. */
export const DEFAULT_PORT_WAIT_MS = 10_000

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304])

export interface ContentRequestContext {
  node: NodePort
  /** The boot document, for a navigation that finds no node. */
  bootDocument: () => Promise<Response>
  portWaitMs?: number
  /** 'path' for content served on the app origin itself (path mode). */
  form?: 'subdomain' | 'path'
}

export async function serveContent (event: FetchEvent, content: ContentRequest, base: string, context: ContentRequestContext): Promise<Response> {
  const request = event.request
  const navigation = request.mode === 'navigate'
  if (!await context.node.waitFor(navigation ? 0 : context.portWaitMs ?? DEFAULT_PORT_WAIT_MS)) {
    return navigation ? await context.bootDocument() : nodeMissing()
  }
  try {
    const answer = await context.node.fetch({
      ...content,
      base,
      form: context.form ?? 'subdomain',
      destination: request.destination,
      method: request.method,
      headers: [...request.headers]
    }, request.signal, navigation)
    return toResponse(answer, request, context.form ?? 'subdomain')
  } catch (err) {
    if ((err as Error).name === 'NodeUnreachableError') return navigation ? await context.bootDocument() : nodeMissing()
    return pageResponse(502, 'Could not load', [`The node failed to answer for ${new URL(request.url).pathname}: ${(err as Error).message}`, 'Reload to try again.'])
  }
}

function toResponse (answer: GatewayResponse, request: Request, form: 'subdomain' | 'path'): Response {
  const body = NULL_BODY_STATUSES.has(answer.status) || request.method === 'HEAD' ? null : answer.body
  if (body !== answer.body) void answer.body?.cancel()
  const headers = new Headers(answer.headers)
  const location = headers.get('location')
  if (location != null) {
    // The last word on where a redirect leads: this origin, or IPFS content at its own origin.
    const target = browserLocation(location, new URL(request.url), form)
    if (target == null) {
      void body?.cancel()
      return pageResponse(502, 'Redirect refused', [`The content redirects to ${location.slice(0, 200)}, outside this gateway; Pollen does not follow it.`])
    }
    headers.set('location', target)
  }
  return new Response(body, { status: answer.status, statusText: answer.statusText, headers })
}

/** A generated page as a Response. */
/** @param accept the request's Accept: a client that does not take HTML (curl, a script) gets the explanation as text */
export function pageResponse (status: number, title: string, explanation: string[], accept?: string | null): Response {
  if (accept != null && !accept.includes('text/html')) {
    return new Response(`${explanation.join('\n')}\n`, { status, statusText: title, headers: [['content-type', 'text/plain; charset=utf-8'], ['cache-control', 'no-store'], ['x-content-type-options', 'nosniff']] })
  }
  const body = errorPage({ status, title, explanation })
  return new Response(body, { status, statusText: title, headers: [...generatedPageHeaders(body), ['cache-control', 'no-store']] })
}

function nodeMissing (): Response {
  return pageResponse(503, 'Node not reachable', [
    'This page asked Pollen for more content, but this origin has lost its way to Pollen\'s node (the browser stopped its service worker, or the node itself, while the page was open).',
    'Reload the page: Pollen starts the node if needed and connects the page to it again.'
  ])
}
