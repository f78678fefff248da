/**
 * The HTTP server the conformance suite talks to. It answers nothing itself:
 * each request is performed inside Chromium, at the origin it names, and
 * answered with what Pollen's service worker answered there (browser-replay.ts).
 *
 * Where the suite names a host, the browser has Pollen's own:
 * - the gateway URL (path requests): the app origin of a Pollen in path mode;
 * - the subdomain URL's host (`example.com`) and its subdomains
 *   (`<root>.ipfs.example.com`): the app origin of a Pollen in subdomain mode
 *   and its content origins (`<root>.ipfs.app.localhost`);
 * - a host with a DNSLink record (a DNSLink gateway's `Host: docs.example.org`):
 *   that name's content origin, `<docs-example-org>.ipns.app.localhost`;
 * - any other host: the path gateway, as a gateway treats a Host it does not know.
 * `X-Forwarded-Host` and `X-Forwarded-Proto` name the host and scheme the
 * client asked for, as a reverse proxy in front of a gateway says them: the
 * request is routed by them, and Locations are written back with them.
 * A subdomain label longer than DNS allows (63 characters) names no origin a
 * browser can reach: such a request is replayed as its path form at the
 * subdomain gateway's app origin, which answers for that name as it would.
 * A Location header pointing at a browser host is written back in the
 * suite's terms, and so are the hosts a generated listing links to. Requests come as origin-form, absolute-form (the suite's
 * HTTP proxy tests) or inside a CONNECT tunnel (its proxy tunnel tests).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'

export type Side = 'path' | 'subdomain'

export interface ReplayRequest {
  side: Side
  /** The URL in the browser's terms. */
  url: string
  method: string
  headers: Array<[string, string]>
  body?: Buffer
}

export interface ReplayResponse {
  status: number
  statusText: string
  headers: Array<[string, string]>
  body: Buffer
}

export interface ReplayProxyOptions {
  /** Host (and port) of the app in the browser, e.g. `app.localhost:8123`. */
  appHost: string
  /** The subdomain gateway's host in the suite's terms, e.g. `example.com`. */
  subdomainHost: string
  /** Whether a host has a DNSLink record (then it is a DNSLink website). */
  hasDnsLink: (host: string) => boolean
  replay: (request: ReplayRequest) => Promise<ReplayResponse>
  /** Called with each exchange, for the run's log. */
  onExchange?: (line: string) => void
}

export interface ReplayProxy {
  /** The URL to give the suite as --gateway-url. */
  url: string
  close: () => Promise<void>
}

/** Request headers a page's fetch() may not set (the browser does), hop-by-hop ones, and the forwarding ones the route carries. */
const UNSETTABLE = /^(host|connection|keep-alive|proxy-.*|te|trailer|transfer-encoding|upgrade|content-length|accept-encoding|accept-charset|cookie|date|dnt|expect|origin|referer|via|sec-.*|x-forwarded-(host|proto))$/i

/** A DNS label holds at most 63 characters. */
const MAX_DNS_LABEL_LENGTH = 63

/** DNSLink inlining (the subdomain gateway spec): a DNS name as one DNS label. */
export function inlineDnsName (name: string): string {
  return name.replaceAll('-', '--').replaceAll('.', '-')
}

/**
 * A header value as Node.js writes it (one byte per character): the page
 * reads a header's bytes as Latin-1, except where Chromium decoded them as
 * UTF-8; those are written back as the UTF-8 bytes they were.
 */
function asLatin1 (value: string): string {
  // eslint-disable-next-line no-control-regex
  return /[^\u0000-\u00ff]/.test(value) ? Buffer.from(value, 'utf8').toString('latin1') : value
}

export async function startReplayProxy (options: ReplayProxyOptions): Promise<ReplayProxy> {
  const appHostname = options.appHost.replace(/:\d+$/, '')
  let gatewayHost = ''

  /** Where the suite's URL is in the browser, on which side. */
  const route = (url: URL): { side: Side, url: URL } => {
    const host = url.hostname.toLowerCase()
    const target = new URL(`${url.pathname}${url.search}`, `http://${options.appHost}`)
    if (url.host === gatewayHost) return { side: 'path', url: target }
    if (host === options.subdomainHost) return { side: 'subdomain', url: target }
    if (host.endsWith(`.${options.subdomainHost}`)) {
      const sub = host.slice(0, -options.subdomainHost.length - 1)
      const [label, namespace] = sub.split('.')
      if (label.length > MAX_DNS_LABEL_LENGTH && (namespace === 'ipfs' || namespace === 'ipns')) {
        return { side: 'subdomain', url: new URL(`/${namespace}/${label}${url.pathname}${url.search}`, `http://${options.appHost}`) }
      }
      target.hostname = `${sub}.${appHostname}`
      return { side: 'subdomain', url: target }
    }
    if (!options.hasDnsLink(host)) return { side: 'path', url: target }
    target.hostname = `${inlineDnsName(host)}.ipns.${appHostname}`
    return { side: 'subdomain', url: target }
  }

  /** The URL the client asked for: the request's, or what a reverse proxy's X-Forwarded-* headers say it was. */
  const clientUrl = (req: IncomingMessage): URL => {
    const url = /^https?:\/\//i.test(req.url ?? '') ? new URL(req.url!) : new URL(req.url ?? '/', `http://${req.headers.host ?? gatewayHost}`)
    const forwardedHost = req.headers['x-forwarded-host']
    const forwardedProto = req.headers['x-forwarded-proto']
    if (typeof forwardedHost === 'string' && forwardedHost !== '') url.host = forwardedHost
    if (forwardedProto === 'https' || forwardedProto === 'http') url.protocol = `${forwardedProto}:`
    return url
  }

  /** A browser URL in a Location header, in the suite's terms. */
  const backToSuite = (location: string, request: URL, browser: URL): string => {
    let url: URL
    try {
      // A protocol-relative Location names a host: read with the browser's scheme.
      url = location.startsWith('//') ? new URL(location, browser) : new URL(location)
    } catch {
      return location // relative: the same in both
    }
    // The browser's scheme is always http; the client's is the one it asked with.
    const rest = `${url.pathname}${url.search}${url.hash}`
    if (url.host === browser.host) return `${request.protocol}//${request.host}${rest}`
    if (url.host === options.appHost) return `${request.protocol}//${request.host === gatewayHost ? gatewayHost : options.subdomainHost}${rest}`
    if (url.host.endsWith(`.${options.appHost}`)) return `${request.protocol}//${url.host.slice(0, -options.appHost.length - 1)}.${options.subdomainHost}${rest}`
    return location
  }

  /**
   * A listing or DAG page the gateway wrote links to the path gateway and to
   * content origins by host (`//app.localhost:PORT/ipfs/…`): those hosts are
   * written back in the suite's terms, as Location is. Content is never touched.
   */
  const bodyToSuite = (answer: ReplayResponse, request: URL, browser: URL): ReplayResponse => {
    const etag = answer.headers.find(([name]) => name.toLowerCase() === 'etag')?.[1] ?? ''
    if (!/^"(DirIndex|DagIndex)-/.test(etag)) return answer
    const escapedAppHost = options.appHost.replaceAll('.', '\\.')
    const text = answer.body.toString('utf8').replace(new RegExp(`//((?:[a-z0-9.-]+\\.)?${escapedAppHost})(?=[/"])`, 'g'), (_, host: string) => {
      return backToSuite(`http://${host}/`, request, browser).replace(/^https?:/, '').replace(/\/$/, '')
    })
    const body = Buffer.from(text, 'utf8')
    const headers = answer.headers.map(([name, value]): [string, string] => [name, name.toLowerCase() === 'content-length' ? String(body.byteLength) : value])
    return { ...answer, headers, body }
  }

  // A replay still under way when the suite ends finishes after close(): its answer reaches nobody,
  // and the caller's log is closed by then (an fs stream written after its end throws "write after end").
  let closed = false
  const report = (line: string): void => { if (!closed) options.onExchange?.(line) }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const requestUrl = clientUrl(req)
    const { side, url } = route(requestUrl)
    const headers: Array<[string, string]> = []
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      if (!UNSETTABLE.test(req.rawHeaders[i])) headers.push([req.rawHeaders[i], req.rawHeaders[i + 1]])
    }
    try {
      const answer = bodyToSuite(await options.replay({ side, url: url.href, method: req.method ?? 'GET', headers, body: chunks.length > 0 ? Buffer.concat(chunks) : undefined }), requestUrl, url)
      const out = answer.headers.map(([name, value]): [string, string] => [name, name.toLowerCase() === 'location' ? backToSuite(value, requestUrl, url) : value])
      report(`${req.method} ${requestUrl.href} -> ${side} ${url.href} -> ${answer.status}`)
      const written = out.filter(([name]) => !/^(transfer-encoding|connection)$/i.test(name)).map(([name, value]): [string, string] => [name, asLatin1(value)])
      // A value no HTTP/1.1 message can carry (a control character) is left out, and the suite's check of it fails.
      // eslint-disable-next-line no-control-regex
      const unwritable = written.filter(([, value]) => /[^\t\x20-\x7e\x80-\xff]/.test(value))
      if (unwritable.length > 0) report(`  headers left out, no HTTP/1.1 message can carry them: ${JSON.stringify(unwritable)}`)
      // A Content-Length that is not the body's would leave bytes on a kept-alive connection, which the
      // suite would read as the next response (a failure of some other test, by chance): the answer
      // goes as the gateway gave it, and the connection closes after it, so the mismatch fails this test.
      const declared = written.find(([name]) => name.toLowerCase() === 'content-length')?.[1]
      if (req.method !== 'HEAD' && declared != null && Number(declared) !== answer.body.byteLength) {
        report(`  Content-Length ${declared} but the body has ${answer.body.byteLength} bytes: connection closed after it`)
        res.shouldKeepAlive = false
      }
      res.writeHead(answer.status, answer.statusText, written.filter(header => !unwritable.includes(header)).flat())
      res.end(req.method === 'HEAD' ? undefined : answer.body)
    } catch (err) {
      report(`${req.method} ${requestUrl.href} -> ${side} ${url.href} -> replay failed: ${(err as Error).message}`)
      res.writeHead(599, 'Replay failed', { 'content-type': 'text/plain' })
      res.end(`The conformance harness could not replay this request in the browser: ${(err as Error).message}\n`)
    }
  }

  const server: Server = createServer((req, res) => { void handle(req, res) })
  // The suite's proxy tunnel tests: CONNECT, then plain HTTP inside the tunnel, answered by this same server.
  server.on('connect', (_req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
    if (head.byteLength > 0) socket.unshift(head)
    server.emit('connection', socket)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address == null || typeof address === 'string') throw new Error('the replay proxy has no address')
  gatewayHost = `127.0.0.1:${address.port}`
  return {
    url: `http://${gatewayHost}`,
    close: async () => {
      closed = true
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => { resolve() }))
    }
  }
}
