/**
 * What the infra node's limit tests share: an HTTP client that can pick its
 * source address (Linux routes all of 127.0.0.0/8 to the loopback interface,
 * so 127.0.0.2, 127.0.0.3... are distinct clients to per-IP limits), waiting
 * on a condition, temporary infra nodes, and peers that reach each other
 * through the infra node's relay.
 */
import { randomBytes } from 'node:crypto'
import { request as httpRequest, type Agent, type IncomingHttpHeaders } from 'node:http'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify, identifyPush } from '@libp2p/identify'
import { webRTC } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p, type Libp2p } from 'libp2p'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { startInfraProcess } from '../../scripts/infra-process.js'

export type InfraProcess = Awaited<ReturnType<typeof startInfraProcess>>

export interface HttpAnswer {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

export interface HttpRequestOptions {
  method?: string
  headers?: Record<string, string>
  body?: string | Uint8Array
  /** The source address, e.g. 127.0.0.2. */
  from?: string
  /** Sends the body in chunks without a Content-Length. */
  chunked?: boolean
  signal?: AbortSignal
  /** A keep-alive agent to send it through, instead of a connection of its own. */
  agent?: Agent
}

/** One HTTP request over a connection of its own (or `agent`'s); resolves with the whole answer. */
export async function http (url: string, options: HttpRequestOptions = {}): Promise<HttpAnswer> {
  return await new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...options.headers }
    if (options.body != null && options.chunked !== true) headers['Content-Length'] = String(Buffer.byteLength(options.body))
    const req = httpRequest(url, { method: options.method ?? 'GET', headers, localAddress: options.from, agent: options.agent ?? false, signal: options.signal }, res => {
      const chunks: Buffer[] = []
      res.on('data', chunk => chunks.push(chunk as Buffer))
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }) })
      res.on('error', reject)
    })
    req.on('error', reject)
    if (options.body != null && options.chunked === true) {
      const bytes = Buffer.from(options.body)
      for (let i = 0; i < bytes.length; i += 1024) req.write(bytes.subarray(i, i + 1024))
    } else if (options.body != null) {
      req.write(options.body)
    }
    req.end()
  })
}

/** Resolves when `condition` returns something other than false or undefined; polls until `timeoutMs`. */
export async function waitFor<T> (condition: () => Promise<T | false | undefined> | T | false | undefined, what: string, timeoutMs = 60_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await condition()
    if (value !== false && value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs / 1000} s for ${what}`)
    await new Promise(resolve => setTimeout(resolve, intervalMs))
  }
}

/** The CID of random bytes: a block nobody has. */
export async function unknownCid (): Promise<string> {
  return CID.createV1(0x55, await sha256.digest(randomBytes(32))).toString()
}

/** Preload's answer lines, parsed. */
export function refLines (body: string): Array<{ Ref: string, Err: string }> {
  return body.split('\n').filter(line => line !== '').map(line => JSON.parse(line) as { Ref: string, Err: string })
}

/** An infra node on free ports in a temporary directory, with `flags` on its command line. */
export async function startTestInfra (flags: string[] = [], allowedOrigins: string[] = []): Promise<InfraProcess & { dataDir: string, dispose: () => Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pollen-infra-limits-'))
  const infra = await startInfraProcess({ dataDir, flags, allowedOrigins, readyTimeoutMs: 60_000 })
  return Object.assign(infra, {
    dataDir,
    dispose: async () => {
      await infra.stop()
      await rm(dataDir, { recursive: true, force: true })
    }
  })
}

/** The infra node's WebSocket multiaddr, for a content peer to dial. */
export function webSocketAddr (infra: InfraProcess): string {
  const addr = infra.multiaddrs.find((a: string) => /\/tcp\/\d+\/ws\/p2p\//.test(a))
  if (addr == null) throw new Error(`the infra node lists no WebSocket address: ${infra.multiaddrs.join(' ')}`)
  return addr
}

/**
 * A Node.js peer as a browser node is for these purposes: WebSocket out, relayed in (when `listen`
 * names a relay), its addresses pushed when they change; `appendAnnounce` adds addresses it tells
 * but does not listen on, `webRtc` lets it dial WebRTC signalled over a relay.
 */
export async function relayablePeer (listen: string[] = [], { appendAnnounce = [], webRtc = false }: { appendAnnounce?: string[], webRtc?: boolean } = {}): Promise<Libp2p> {
  return await createLibp2p({
    addresses: { listen, appendAnnounce },
    transports: [webSockets(), circuitRelayTransport(), ...(webRtc ? [webRTC()] : [])],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: async () => false },
    services: { identify: identify(), identifyPush: identifyPush() }
  })
}
