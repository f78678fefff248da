#!/usr/bin/env node
// @ts-check
/**
 * Soak of the infra node's HTTP API under abuse: does a legitimate client
 * still get its answers, and does the node's memory stay bounded?
 *
 * An infra node listens on 127.0.0.1 with its public defaults (but a 4 MiB
 * preload ceiling, so that one of the DAGs below is over it), and a content
 * peer (test/infra/content-peer.js) dials it holding small files and one big
 * one, as a browser that added them would. Then, for DURATION seconds:
 *
 *   50 abusive clients, all from 127.0.0.1, each sending one request after
 *   another with no pause: preloads of the small files, of the big one (over
 *   the ceiling) and of CIDs nobody has (walks that wait for nothing);
 *   IPNS PUTs with 1 MiB bodies (with and without a Content-Length) and of
 *   records for ever new names; provider and IPNS lookups of unknown keys.
 *
 *   1 legitimate client, from 127.0.0.2 (Linux routes all of 127.0.0.0/8 to
 *   the loopback interface, so the node sees another address), one request
 *   every 500 ms in turn: providers of a preloaded root, its IPNS name, a
 *   preload of that root, the root's block from the gateway.
 *
 * Traffic goes to loopback only, stops after DURATION seconds (and at most
 * MAX_REQUESTS_PER_CLIENT per client) and the node and the peer are stopped.
 * Prints requests answered by status, the legitimate client's latencies
 * (p50, p99, max) and failures, and the node's RSS before and at its peak
 * (VmRSS sampled from /proc/<pid>/status, and VmHWM).
 *
 * Run by `npm run bench`; alone: node bench/soak.js [--duration S] [--no-write]
 */
import { Agent, request } from 'node:http'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createIPNSRecord, marshalIPNSRecord } from 'ipns'
import { base36 } from 'multiformats/bases/base36'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { startInfraProcess } from '../scripts/infra-process.js'
import { startContentPeer } from '../test/infra/content-peer.js'
import { runWhenMain } from './lib/cli.js'
import { reflow, table, writeSection } from './lib/results.js'

const BENCH = dirname(fileURLToPath(import.meta.url))
const RESULTS = join(BENCH, 'RESULTS.md')
const KiB = 1024
const MiB = 1024 * KiB
export const DEFAULT_DURATION_S = 60
export const ABUSIVE_CLIENTS = 50
const LEGIT_INTERVAL_MS = 500
const LEGIT_ADDRESS = '127.0.0.2'
const MAX_REQUESTS_PER_CLIENT = 50_000
/** Longer than the node's preload idle timeout (30 s), after which a walk for nothing ends. */
const REQUEST_TIMEOUT_MS = 40_000
const MEMORY_SAMPLE_MS = 250
const SMALL_FILES = 20
const INFRA_FLAGS = ['--preload-max-bytes', '4MiB']
const RECORD = 'application/vnd.ipfs.ipns-record'

/**
 * One request; resolves with the status (0 when the connection failed) and the milliseconds to the last byte.
 * @param {string} url
 * @param {{ agent: Agent, method?: string, headers?: Record<string, string>, body?: Uint8Array, chunked?: boolean, signal?: AbortSignal }} options
 * @returns {Promise<{ status: number, ms: number, body: string, limit?: string }>}
 */
async function send (url, options) {
  const started = performance.now()
  return await new Promise(resolve => {
    const headers = { ...options.headers }
    if (options.body != null && options.chunked !== true) headers['Content-Length'] = String(options.body.byteLength)
    const signal = AbortSignal.any([AbortSignal.timeout(REQUEST_TIMEOUT_MS), ...(options.signal == null ? [] : [options.signal])])
    const req = request(url, { method: options.method ?? 'GET', headers, agent: options.agent, signal }, res => {
      const chunks = /** @type {Buffer[]} */ ([])
      res.on('data', chunk => { chunks.push(chunk) })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, body: Buffer.concat(chunks).toString(), limit: /** @type {string | undefined} */ (res.headers['x-ratelimit-limit']) }) })
      res.on('error', () => { resolve({ status: 0, ms: performance.now() - started, body: '' }) })
    })
    req.on('error', () => { resolve({ status: 0, ms: performance.now() - started, body: '' }) })
    if (options.body != null) {
      if (options.chunked === true) {
        for (let i = 0; i < options.body.byteLength; i += 64 * KiB) req.write(options.body.subarray(i, i + 64 * KiB))
      } else {
        req.write(options.body)
      }
    }
    req.end()
  })
}

/** The CID of random bytes: a block nobody has. */
async function unknownCid () {
  return CID.createV1(0x55, await sha256.digest(randomBytes(32))).toString()
}

/** A name and a signed record for it. */
async function signedName () {
  const key = await generateKeyPair('Ed25519')
  const name = peerIdFromPrivateKey(key).toCID().toString(base36)
  const record = marshalIPNSRecord(await createIPNSRecord(key, '/ipfs/bafkqaaa', 1n, 24 * 60 * 60 * 1000))
  return { name, record }
}

/** @param {number} pid */
async function memoryOf (pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kib = (/** @type {string} */ field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN)
  return { rss: kib('VmRSS') * KiB, hwm: kib('VmHWM') * KiB }
}

/**
 * @param {number[]} values
 * @param {number} p 0..1
 */
function percentile (values, p) {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]
}

const mib = (/** @type {number} */ bytes) => (bytes / MiB).toFixed(0)

/** @param {{ durationS?: number, write?: boolean }} [options] */
export async function run (options = {}) {
  const durationMs = (options.durationS ?? DEFAULT_DURATION_S) * 1000
  const dataDir = await mkdtemp(join(tmpdir(), 'pollen-soak-'))
  const infra = await startInfraProcess({ dataDir, flags: INFRA_FLAGS, readyTimeoutMs: 60_000 })
  const dial = infra.multiaddrs.find(a => /\/tcp\/\d+\/ws\/p2p\//.test(a))
  if (dial == null) throw new Error('the infra node lists no WebSocket address')
  /** @type {Record<string, number>} */
  const files = { big: 16 * MiB }
  for (let i = 0; i < SMALL_FILES; i++) files[`small-${i}`] = 256 * KiB + i * 32 * KiB
  const peer = await startContentPeer({ dial, files })
  const base = infra.httpUrl
  const smallRoots = Object.entries(peer.roots).filter(([name]) => name.startsWith('small-')).map(([, cid]) => cid)
  /** @type {Array<{ status: number, ms: number, what: string }>} */
  const legit = []
  /** @type {Map<number, number>} */
  const abusive = new Map()
  /** Server errors the abuse provoked, which should be none. */
  /** @type {string[]} */
  const unexpected = []
  let before = { rss: NaN, hwm: NaN }
  let peakRss = 0
  let hwm = NaN
  /** The per-IP limits a minute, as the node's X-RateLimit-Limit headers said. */
  /** @type {{ requests?: string, preload?: string, ipnsPut?: string }} */
  const limits = {}
  let loadBefore = NaN
  let loadAfter = NaN
  /** @type {number[]} */
  const rssTimeline = []
  /** @type {ReturnType<typeof setInterval> | undefined} */
  let sampler
  try {
    // The legitimate client's content and name, set up before the load.
    const legitAgent = new Agent({ keepAlive: true, maxSockets: 1, localAddress: LEGIT_ADDRESS })
    const legitRoot = smallRoots[0]
    const first = await send(`${base}/api/v0/refs?r=true&arg=${legitRoot}`, { agent: legitAgent, method: 'POST' })
    if (first.status !== 200 || /"Err":"[^"]/.test(first.body)) throw new Error(`the legitimate preload failed: ${first.status} ${first.body}`)
    const legitName = await signedName()
    const published = await send(`${base}/routing/v1/ipns/${legitName.name}`, { agent: legitAgent, method: 'PUT', headers: { 'Content-Type': RECORD }, body: legitName.record })
    if (published.status !== 200) throw new Error(`publishing the legitimate name failed: ${published.status} ${published.body}`)
    limits.preload = first.limit
    limits.ipnsPut = published.limit
    const records = await Promise.all(Array.from({ length: 300 }, signedName))
    const bigBody = randomBytes(MiB)
    before = await memoryOf(infra.pid)
    peakRss = before.rss
    let samples = 0
    sampler = setInterval(() => {
      memoryOf(infra.pid).then(m => {
        peakRss = Math.max(peakRss, m.rss)
        if (samples++ % (5000 / MEMORY_SAMPLE_MS) === 0) rssTimeline.push(m.rss)
      }, () => {})
    }, MEMORY_SAMPLE_MS)

    const stop = new AbortController()
    const deadline = Date.now() + durationMs
    /** @type {Array<(agent: Agent, i: number) => Promise<{ status: number, body: string }>>} */
    const attacks = [
      async agent => await send(`${base}/api/v0/refs?r=true&arg=${smallRoots[Math.floor(Math.random() * smallRoots.length)]}`, { agent, method: 'POST', signal: stop.signal }),
      async agent => await send(`${base}/api/v0/refs?r=true&arg=${peer.roots.big}`, { agent, method: 'POST', signal: stop.signal }),
      async agent => await send(`${base}/api/v0/refs?r=true&arg=${await unknownCid()}`, { agent, method: 'POST', signal: stop.signal }),
      async agent => await send(`${base}/routing/v1/ipns/${legitName.name}`, { agent, method: 'PUT', headers: { 'Content-Type': RECORD }, body: bigBody, signal: stop.signal }),
      async agent => await send(`${base}/routing/v1/ipns/${legitName.name}`, { agent, method: 'PUT', headers: { 'Content-Type': RECORD }, body: bigBody, chunked: true, signal: stop.signal }),
      async (agent, i) => {
        const { name, record } = records[i % records.length]
        return await send(`${base}/routing/v1/ipns/${name}`, { agent, method: 'PUT', headers: { 'Content-Type': RECORD }, body: record, signal: stop.signal })
      },
      async agent => await send(`${base}/routing/v1/providers/${await unknownCid()}`, { agent, signal: stop.signal }),
      async (agent, i) => await send(`${base}/routing/v1/ipns/${records[(i * 7) % records.length].name}`, { agent, signal: stop.signal })
    ]
    const abuser = async (/** @type {number} */ client) => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 })
      for (let i = 0; i < MAX_REQUESTS_PER_CLIENT && Date.now() < deadline; i++) {
        const kind = (client + i) % attacks.length
        const { status, body } = /** @type {{ status: number, body: string }} */ (await attacks[kind](agent, client * MAX_REQUESTS_PER_CLIENT + i))
        abusive.set(status, (abusive.get(status) ?? 0) + 1)
        if (status >= 500 && ![503, 504, 507].includes(status)) unexpected.push(`attack ${kind}: ${status} ${body.slice(0, 200)}`)
      }
      agent.destroy()
    }
    const legitimate = async () => {
      const asks = [
        ['providers', async () => await send(`${base}/routing/v1/providers/${legitRoot}`, { agent: legitAgent })],
        ['ipns', async () => await send(`${base}/routing/v1/ipns/${legitName.name}`, { agent: legitAgent, headers: { Accept: RECORD } })],
        ['preload', async () => await send(`${base}/api/v0/refs?r=true&arg=${legitRoot}`, { agent: legitAgent, method: 'POST' })],
        ['gateway', async () => await send(`${base}/ipfs/${legitRoot}?format=raw`, { agent: legitAgent })]
      ]
      for (let i = 0; Date.now() < deadline; i++) {
        const next = performance.now() + LEGIT_INTERVAL_MS
        const [what, ask] = /** @type {[string, () => Promise<{ status: number, ms: number, limit?: string }>]} */ (asks[i % asks.length])
        const { status, ms, limit } = await ask()
        legit.push({ status, ms, what })
        if (what === 'providers') limits.requests = limit
        await new Promise(resolve => setTimeout(resolve, Math.max(0, next - performance.now())))
      }
      legitAgent.destroy()
    }
    loadBefore = loadavg()[0]
    console.log(`soak: ${ABUSIVE_CLIENTS} abusive clients from 127.0.0.1 and one legitimate one from ${LEGIT_ADDRESS} for ${durationMs / 1000} s against ${base}`)
    const abusers = Array.from({ length: ABUSIVE_CLIENTS }, async (_, client) => await abuser(client))
    await legitimate()
    loadAfter = loadavg()[0]
    // Requests still waiting (walks for nothing) are given up.
    stop.abort()
    await Promise.all(abusers)
  } finally {
    clearInterval(sampler)
    const end = await memoryOf(infra.pid).catch(() => ({ rss: NaN, hwm: NaN }))
    peakRss = Math.max(peakRss, end.rss)
    hwm = end.hwm
    await peer.stop()
    await infra.stop()
    await rm(dataDir, { recursive: true, force: true })
  }

  const answered = [...abusive].filter(([status]) => status !== 0).reduce((sum, [, n]) => sum + n, 0)
  const refused = abusive.get(429) ?? 0
  const latencies = legit.map(l => l.ms)
  const legitFailures = legit.filter(l => l.status !== 200)
  const byStatus = [...abusive].sort(([a], [b]) => a - b).map(([status, n]) => `${status === 0 ? 'no answer (given up at the end, or reset)' : status}: ${n}`).join(', ')
  const rows = [
    ['abusive requests answered', `${answered} (${(answered / (durationMs / 1000)).toFixed(0)}/s)`],
    ['of which 429', String(refused)],
    ['abusive requests by status', byStatus],
    ['legitimate requests (failed)', `${legit.length} (${legitFailures.length})`],
    ['legitimate p50 / p99 / max', `${percentile(latencies, 0.5).toFixed(0)} / ${percentile(latencies, 0.99).toFixed(0)} / ${Math.max(...latencies).toFixed(0)} ms`],
    ['infra RSS before the load', `${mib(before.rss)} MiB`],
    ['infra RSS peak (sampled / VmHWM)', `${mib(peakRss)} / ${mib(hwm)} MiB`]
  ]
  console.log(table(['figure', 'value'], rows, ['l', 'r']))
  const perKind = ['providers', 'ipns', 'preload', 'gateway'].map(what => {
    const ms = legit.filter(l => l.what === what).map(l => l.ms)
    return [what, String(ms.length), percentile(ms, 0.5).toFixed(0), Math.max(...ms).toFixed(0)]
  })
  console.log(table(['legitimate request', 'n', 'p50 (ms)', 'max (ms)'], perKind, ['l', 'r', 'r', 'r']))
  console.log(`soak: infra RSS every 5 s (MiB): ${rssTimeline.map(mib).join(' ')}`)
  if (unexpected.length > 0) console.log(`soak: server errors:\n  ${unexpected.slice(0, 10).join('\n  ')}`)
  if (legitFailures.length > 0) console.log(`soak: legitimate failures: ${legitFailures.map(l => `${l.what} ${l.status}`).join(', ')}`)

  const heading = 'Soak (infra node HTTP API: 50 abusive clients and one legitimate)'
  const body = `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC by \`node bench/soak.js\` (also part of \`npm run bench\`). An infra node (scripts/infra-process.js) on 127.0.0.1 with its public defaults except \`${INFRA_FLAGS.join(' ')}\`, and a content peer (test/infra/content-peer.js) connected to it holding ${SMALL_FILES} small files (256 to ${256 + (SMALL_FILES - 1) * 32} KiB) and one of 16 MiB, as a browser that added them. For ${durationMs / 1000} s, ${ABUSIVE_CLIENTS} clients from 127.0.0.1 each send one request after another without pause, in turn: preloads of the small files, of the 16 MiB one (over the ceiling) and of CIDs nobody has; IPNS PUTs of 1 MiB bodies with and without a Content-Length and of records for ever new names (300 of them); provider and IPNS lookups of unknown keys. Meanwhile one client from ${LEGIT_ADDRESS} (another source address on the loopback interface, so another client to per-IP limits) makes one request every ${LEGIT_INTERVAL_MS} ms, in turn: the providers of a root it preloaded before the load, its IPNS name, a preload of that root again, the root's block from the gateway; timed from the request to its last byte. The node's RSS is read from /proc/<pid>/status every ${MEMORY_SAMPLE_MS} ms (and its VmHWM at the end). Driver, node and peer share the machine's two cores (load average ${loadBefore.toFixed(1)} when the load began, ${loadAfter.toFixed(1)} when it ended, other work included).

${table(['figure', 'value'], rows, ['l', 'r'])}

${table(['legitimate request', 'n', 'p50 (ms)', 'max (ms)'], perKind, ['l', 'r', 'r', 'r'])}

RSS every 5 s during the load (MiB): ${rssTimeline.map(mib).join(', ')}.

**Reading the figures.** All abusive clients share one address, so within the first seconds its per-IP rate limits are spent (${limits.requests} requests a minute, ${limits.preload} preloads, ${limits.ipnsPut} IPNS PUTs) and nearly every later request is answered 429 at once, without a line in the log; the 200s are the requests within those limits, the 413s the 1 MiB IPNS bodies that got past the PUT limit (refused on their Content-Length, or after 10 KiB when chunked). The legitimate client's address has limits of its own: ${legitFailures.length === 0 ? 'none of its requests was refused' : `${legitFailures.length} of its requests failed (${legitFailures.map(l => `${l.what} ${l.status}`).join(', ')})`}. Its slowest answers are CPU: the node answers some thousands of 429s a second on the same two cores as the driver's 50 clients. After the first 10 s of the flood the RSS stayed between ${mib(Math.min(...rssTimeline.slice(2)))} and ${mib(Math.max(...rssTimeline.slice(2)))} MiB; what the limits keep per address is bounded (the rate limiter forgets the least recently seen beyond 10,000 addresses).
${unexpected.length > 0 ? `\nServer errors the abuse provoked (${unexpected.length}): ${unexpected.slice(0, 3).join('; ')}\n` : ''}`
  if (options.write !== false) await writeSection(RESULTS, heading, reflow(body))
  const summary = `legitimate p99 ${percentile(latencies, 0.99).toFixed(0)} ms (${legitFailures.length} failed), ${answered} abusive requests answered (${refused} 429), RSS peak ${mib(Math.max(peakRss, hwm))} MiB`
  console.log(`soak: ${summary}`)
  return { heading, summary }
}

runWhenMain(import.meta.url, run, { options: { duration: { type: 'string' } }, extra: values => ({ durationS: values.duration != null ? Number(values.duration) : undefined }) })
