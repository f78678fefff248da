#!/usr/bin/env node
// @ts-check
// Static server for the built app (dist/): SPA fallback for navigations, strict security headers,
// an optional deployment.json override. Used by `npm start` and, in-process, by the e2e tests.
//
// Usage: node scripts/serve.js [--port N] [--host app.localhost] [--deployment file.json] [--root dir]
//   --port        port to listen on (also env PORT; default 8080; 0 = any free port)
//   --host        host name printed in the URL (default app.localhost; the server always binds
//                 127.0.0.1, and Chromium resolves app.localhost and *.app.localhost to loopback)
//   --deployment  serve this file as /deployment.json (otherwise dist's own one, or 404)
//   --root        directory to serve (default dist/ of the repository)

import { readFile, stat } from 'node:fs/promises'
import { createServer } from 'node:http'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import sirv from 'sirv'
import { canonicalLabel, classifyHost, parseHostHeader, protocolLinkPath } from '../src/lib/content-host.js'
import { isMainModule } from './is-main-module.js'

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

export const DEFAULT_PORT = 8080
export const DEFAULT_HOST = 'app.localhost'
export const DEFAULT_ROOT = resolve(REPO_ROOT, 'dist')
/** The address the server listens on; never a public interface. */
export const BIND_ADDRESS = '127.0.0.1'

const APP_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob: data:",
  "media-src 'self' blob:",
  "frame-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'self'",
  "connect-src 'self' ws: wss: http: https:",
  "worker-src 'self'",
  "manifest-src 'self'"
]

export const CONTENT_SECURITY_POLICY = APP_CSP.join('; ')

/**
 * The node's SharedWorker script (Vite names it after src/node/worker.ts). A
 * worker runs under its own script's policy; this one may compile WebAssembly
 * (libsodium's ChaCha20-Poly1305 for noise, src/node/noise-crypto.ts), which
 * 'wasm-unsafe-eval' allows without allowing eval. Pages keep the policy above.
 */
const NODE_WORKER_PATH = /^\/assets\/worker-[\w-]+\.js$/
export const NODE_WORKER_CSP = APP_CSP.map(d => d.startsWith('script-src') ? `${d} 'wasm-unsafe-eval'` : d).join('; ')

/**
 * What a request's Host header names (src/lib/content-host.js, the parser the
 * service workers use too), with its port; undefined for a header that is no
 * plain host name.
 * @param {string} header
 */
export function requestHost (header) {
  const parsed = parseHostHeader(header)
  if (parsed == null) return undefined
  const port = parsed.port === '' ? '' : `:${parsed.port}`
  return { ...classifyHost(parsed.hostname), hostname: parsed.hostname, port }
}

/**
 * The policy for one response, built from the parsed host only (never the raw
 * header). The bridge may be framed by the app's content origins only (and
 * nothing else may frame the app); the boot document, served on a content
 * origin, may frame the app origin's bridge and, holding the node, the
 * content of its own origin (src/bridge/holder.ts).
 * @param {NonNullable<ReturnType<typeof requestHost>>} host
 * @param {string} pathname
 */
export function contentSecurityPolicy (host, pathname) {
  if (host.kind === 'content') {
    return APP_CSP.map(d => d.startsWith('frame-src') ? `frame-src 'self' ${host.appHost}${host.port}` : d).join('; ')
  }
  if (host.kind === 'invalid') return "default-src 'none'"
  if (pathname === BRIDGE_PATH) {
    const app = `${host.hostname}${host.port}`
    return APP_CSP.map(d => d.startsWith('frame-ancestors') ? `frame-ancestors *.ipfs.${app} *.ipns.${app}` : d).join('; ')
  }
  if (NODE_WORKER_PATH.test(pathname)) return NODE_WORKER_CSP
  return CONTENT_SECURITY_POLICY
}

/** Headers set on every response, whatever its status (the policy is set per request). */
export const SECURITY_HEADERS = Object.freeze({
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer'
})

const BRIDGE_PATH = '/bridge.html'
const PROTOCOL_HANDLER_PATH = '/open'
const BOOT_PATH = '/boot.html'

const NO_CACHE = 'no-cache'
const IMMUTABLE = 'public, max-age=31536000, immutable'
/** Files that must be revalidated on every load so an update reaches users. */
const ALWAYS_REVALIDATE = new Set(['/', '/index.html', '/boot.html', '/bridge.html', '/sw.js', '/manifest.webmanifest', '/deployment.json'])

/**
 * Cache-Control for a path that exists in the root: Vite's content-hashed build output under
 * /assets/ is immutable; everything else is revalidated (cheap thanks to ETags).
 * @param {string} pathname
 */
function cacheControlFor (pathname) {
  if (ALWAYS_REVALIDATE.has(pathname)) return NO_CACHE
  if (pathname.startsWith('/assets/')) return IMMUTABLE
  return NO_CACHE
}

/**
 * A request the browser makes to show a document (top level or frame), which gets index.html
 * when no file matches. Subresource requests (scripts, fetch, images) get a real 404 instead.
 * @param {import('node:http').IncomingMessage} req
 */
function isNavigation (req) {
  const mode = req.headers['sec-fetch-mode']
  if (typeof mode === 'string') return mode === 'navigate'
  // Clients without Fetch Metadata (curl, old browsers): go by what they accept.
  return (req.headers.accept ?? '').includes('text/html')
}

/** @param {string} url */
function pathnameOf (url) {
  try {
    return new URL(url, 'http://x').pathname
  } catch {
    return '/'
  }
}

/** @param {string} url */
function searchOf (url) {
  try {
    return new URL(url, 'http://x').search
  } catch {
    return ''
  }
}

/** @param {string} text */
function safeDecode (text) {
  try {
    return decodeURIComponent(text)
  } catch {
    return undefined
  }
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {number} status
 * @param {string} text
 * @param {Record<string, string>} [headers]
 */
function sendText (res, status, text, headers = {}) {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': NO_CACHE,
    'Content-Length': Buffer.byteLength(text),
    ...headers
  })
  res.end(text)
}

/**
 * @typedef {object} StartServerOptions
 * @property {number} [port] port to listen on; 0 (or omitted) picks a free port
 * @property {string} [root] directory to serve; default dist/ of the repository
 * @property {string} [deploymentFile] a JSON file served as /deployment.json, read on every request
 * @property {string} [host] host name used in the returned URL; default app.localhost
 * @property {(request: { host: string, path: string, navigation: boolean }) => void} [onRequest]
 *   told of every request (tests check what reached the server and what a service worker answered)
 */

/**
 * @typedef {object} RunningServer
 * @property {string} url e.g. http://app.localhost:8080/
 * @property {number} port the port actually bound
 * @property {() => Promise<void>} close stops listening and closes open connections
 */

/**
 * Starts the static server on 127.0.0.1.
 * @param {StartServerOptions} [options]
 * @returns {Promise<RunningServer>}
 */
export async function startServer (options = {}) {
  const root = resolve(options.root ?? DEFAULT_ROOT)
  const host = options.host ?? DEFAULT_HOST
  const port = options.port ?? 0
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`invalid port: ${port}`)
  }

  const rootStats = await stat(root).catch(() => null)
  if (rootStats == null || !rootStats.isDirectory()) {
    throw new Error(`cannot serve ${root}: no such directory (run \`npm run build\` first)`)
  }
  const indexStats = await stat(resolve(root, 'index.html')).catch(() => null)
  const hasIndex = indexStats?.isFile() === true
  const hasBoot = (await stat(resolve(root, BOOT_PATH.slice(1))).catch(() => null))?.isFile() === true

  const deploymentFile = options.deploymentFile == null ? undefined : resolve(options.deploymentFile)
  if (deploymentFile != null) {
    // Fail at start, not at the first request, when the file is missing or is not JSON.
    JSON.parse(await readFile(deploymentFile, 'utf8'))
  }

  const serveFiles = sirv(root, { etag: true, gzip: true, brotli: true, dotfiles: false })

  /**
   * @param {import('node:http').IncomingMessage} req
   * @param {import('node:http').ServerResponse} res
   */
  async function handle (req, res) {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value)

    const pathname = pathnameOf(req.url ?? '/')
    const hostHeader = req.headers.host ?? ''
    options.onRequest?.({ host: hostHeader, path: req.url ?? '/', navigation: isNavigation(req) })
    const host = requestHost(hostHeader)
    if (host == null) {
      res.setHeader('Content-Security-Policy', "default-src 'none'")
      sendText(res, 400, 'Bad Request: the Host header is not a host name\n')
      return
    }
    res.setHeader('Content-Security-Policy', contentSecurityPolicy(host, pathname))
    if (host.kind === 'invalid') {
      sendText(res, 400, `Bad Request: ${host.reason}\n`)
      return
    }
    // One origin per root, as the content origin's worker says too: a first visit gets there at once.
    const label = canonicalLabel(host)
    if (label != null && host.kind === 'content') {
      res.writeHead(301, { Location: `//${label}.ipns.${host.appHost}${host.port}${pathname}${searchOf(req.url ?? '/')}`, 'Cache-Control': NO_CACHE })
      res.end()
      return
    }
    if (safeDecode(pathname) == null) {
      sendText(res, 400, 'Bad Request: the path is not valid percent-encoding\n')
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(res, 405, 'Method Not Allowed\n', { Allow: 'GET, HEAD' })
      return
    }

    if (pathname === '/deployment.json' && deploymentFile != null) {
      let body
      try {
        body = await readFile(deploymentFile)
      } catch (err) {
        sendText(res, 500, `cannot read ${deploymentFile}: ${err instanceof Error ? err.message : err}\n`)
        return
      }
      res.writeHead(200, {
        'Content-Type': 'application/json; charset=utf-8',
        'Cache-Control': NO_CACHE,
        'Content-Length': body.length
      })
      res.end(req.method === 'HEAD' ? undefined : body)
      return
    }

    // An ipfs:// link handed over by the browser: refused here as the app's
    // worker refuses it, whichever of the two answers the navigation.
    if (pathname === PROTOCOL_HANDLER_PATH && protocolLinkPath(new URL(req.url ?? '/', 'http://x').searchParams.get('url') ?? '') == null) {
      sendText(res, 400, `Bad Request: the link is not an ipfs:// or ipns:// URL naming a CID, an IPNS key or a DNS name\n`)
      return
    }

    // IPFS content reached before a service worker runs for it (a fresh
    // profile, or with JavaScript just starting): the boot document sets that up.
    if (hasBoot && isNavigation(req) && (host.kind === 'content' || /^\/ip[fn]s\//.test(pathname) || pathname === PROTOCOL_HANDLER_PATH)) {
      req.url = BOOT_PATH
      res.setHeader('Cache-Control', NO_CACHE)
      serveFiles(req, res, () => sendText(res, 404, 'Not Found\n'))
      return
    }

    res.setHeader('Cache-Control', cacheControlFor(pathname))
    serveFiles(req, res, () => {
      if (hasIndex && isNavigation(req)) {
        // SPA fallback: serve index.html for any unknown document URL (the app routes it).
        req.url = '/index.html'
        res.setHeader('Cache-Control', NO_CACHE)
        serveFiles(req, res, () => sendText(res, 404, 'Not Found\n'))
        return
      }
      sendText(res, 404, 'Not Found\n')
    })
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      console.error('serve: request failed:', err)
      if (!res.headersSent) sendText(res, 500, 'Internal Server Error\n')
      else res.destroy()
    })
  })

  await new Promise((resolveListen, rejectListen) => {
    server.once('error', rejectListen)
    server.listen(port, BIND_ADDRESS, () => {
      server.off('error', rejectListen)
      resolveListen(undefined)
    })
  })

  const address = server.address()
  if (address == null || typeof address === 'string') throw new Error('server has no TCP address')
  const boundPort = address.port

  /** @type {Promise<void> | undefined} */
  let closing
  return {
    url: `http://${host}:${boundPort}/`,
    port: boundPort,
    close () {
      closing ??= new Promise((resolveClose, rejectClose) => {
        server.close((err) => (err != null ? rejectClose(err) : resolveClose()))
        // Browsers keep connections alive; without this, close() waits for them to time out.
        server.closeAllConnections()
      })
      return closing
    }
  }
}

/** @param {string[]} argv */
async function main (argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      deployment: { type: 'string' },
      root: { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    },
    strict: true,
    allowPositionals: false
  })
  if (values.help === true) {
    console.log('Usage: node scripts/serve.js [--port N] [--host app.localhost] [--deployment file.json] [--root dir]')
    return
  }

  const portText = values.port ?? (process.env.PORT || String(DEFAULT_PORT))
  const port = /^\d+$/.test(portText) ? Number(portText) : NaN
  if (!Number.isInteger(port) || port > 65535) {
    throw new Error(`invalid port: ${JSON.stringify(portText)}`)
  }

  const server = await startServer({
    port,
    host: values.host ?? DEFAULT_HOST,
    root: values.root,
    deploymentFile: values.deployment
  })
  console.log(`Pollen is running at ${server.url}`)

  /** @param {NodeJS.Signals} signal */
  const stop = (signal) => {
    server.close().then(
      () => process.exit(0),
      (err) => {
        console.error(`serve: error while closing on ${signal}:`, err)
        process.exit(1)
      }
    )
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}


if (isMainModule(import.meta.url)) {
  main(process.argv.slice(2)).catch((err) => {
    const code = err?.code === 'EADDRINUSE' ? ` (port in use; try --port 0 for any free port)` : ''
    console.error(`serve: ${err instanceof Error ? err.message : err}${code}`)
    process.exit(1)
  })
}
