#!/usr/bin/env node
// @ts-check
/**
 * Transfer benchmark (issue 13): RUNS consecutive transfers of SIZE MiB (new content each time) in
 * each of six ways, each way's Pollen transfers beside the raw pipe under it, measured in the same
 * run in alternating order: the median, the slowest, the stalls, and the ratio to the raw pipe.
 *
 *   to-infra    browser → infra node: the page added the file; the driver calls the infra node's
 *               preload endpoint (POST /api/v0/refs?r=true) and times it to the end of the answer
 *               (the infra node walks the DAG and pulls every block from the browser over bitswap).
 *               Raw: the same page sends as many bytes over a WebSocket to bench/raw-ws-server.js;
 *               and once more reading each block from IndexedDB first, the server hashing and
 *               writing each to a file (the least storage work any two nodes must add).
 *   from-infra  infra node → browser: a fresh context opens a share link of the root the infra node
 *               just preloaded (no sharer address), timed in the driver from the click on Fetch to
 *               the job's "done" (every block fetched, verified, stored). Raw: that page receives
 *               as many bytes over a WebSocket from the raw server; and once more, hashing and
 *               storing each message in IndexedDB as a receiving node must (a figure of its own).
 *   webrtc      browser → browser over a direct WebRTC connection: context A adds the file and
 *               copies its share link, context B opens it (relay, upgrade to /webrtc, bitswap,
 *               verify, store), timed as above. Raw: a new RTCPeerConnection pair between the same
 *               two pages, one data channel; and once more with A reading each block from
 *               IndexedDB and B hashing and storing it. All DTLS-encrypted; no gateway in the
 *               deployment, so the sharer must serve every block.
 *   kubo-ws     Kubo → browser over WebSocket: Kubo adds the file (Pollen's import profile), a
 *   kubo-wt     fresh context opens a share link whose only address is Kubo's WebSocket (kubo-ws)
 *               or WebTransport (kubo-wt) address. Raw: the raw WebSocket server → that page.
 *   to-kubo     browser → Kubo: the page added the file and connected to Kubo over WebSocket; the
 *               driver calls Kubo's `refs -r` (its RPC, as a preload node) and times it to the end
 *               of the answer. Raw: the page → the raw WebSocket server, and as for to-infra with
 *               the storage work.
 *
 * A run is a stall when its speed is below half its way's median, or when one block waited more
 * than 2 s: for a browser receiving, the fetch summary's longest block wait (src/node/fetcher.ts,
 * from asking for a block to having it verified); for the infra node or Kubo receiving, the
 * longest gap between consecutive lines of the streamed refs answer (each line is a block that
 * arrived; the first gap starts at the call). A run that fails (a timeout, or bytes from another
 * source than the way says) counts as a stall at 0 MiB/s; one whose setup failed (the add, the
 * share link) is left out of the figures. Either is reported loudly, and makes the process exit
 * with 1 once the results are written.
 *
 * Run by `npm run bench`; alone, once the app is built into bench/out/dist/:
 *   node bench/transfer.js [--runs N] [--size MiB] [--ways to-infra,from-infra,...] [--profile] [--no-write]
 *   --profile   after the measured runs, one more run of each way (not counted) with a CPU profile
 *               of the browser node's SharedWorker (both for webrtc, and the pages that host its
 *               peer connections); prints and records where their time went
 * Each run's line gives the whole machine's CPU time (/proc/stat) and, when UDP datagrams were
 * dropped for a full receive buffer (/proc/net/snmp) during the transfer, how many; the results
 * give the machine's CPU per transfer and the speed that CPU allows with every core busy. A webrtc
 * run whose first byte or a block waited more than 2 s prints the sharer dial's steps and its
 * pages' peer connections: their events (creation, descriptions, candidates, ICE and connection
 * states) and the longest time their transport moved no byte (bench/lib/rtc-timeline.js).
 * BENCH_DEBUG=1 prints all that for every run, each fetch's sources and when each chunk of a refs answer came; BENCH_INFRA_LOG=file appends the infra node's log,
 * with lines `MARK start <way> <run>` and `MARK end <way> <run> <infra node CPU ms>` around each Pollen transfer (to cut a --trace-gc log by transfer).
 * BENCH_CPU=1 prints the CPU time each kind of process (the infra node, Chromium's renderers, network service, browser) spent on each transfer;
 * BENCH_CPU=threads also each of Chromium's threads, by name.
 * BENCH_PROFILE_DIR=DIR also writes each profiled browser target's CPU profile there, as
 * <way>-<n>.cpuprofile (n in the order of the way's `profiled` list), for DevTools' Performance panel.
 * The infra node's side: POLLEN_NODE22_FLAGS="--cpu-prof --cpu-prof-dir=DIR" writes a CPU profile of
 * the infra node's whole life (scripts/node22-process.js) when the run ends.
 */
import { appendFileSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { kuboVersion } from '../scripts/ensure-kubo.js'
import { startKubo } from '../scripts/kubo.js'
import { startLocalNetwork } from '../scripts/local-network.js'
import { startNode22Process } from '../scripts/node22-process.js'
import { contentFor, openApp, waitForFetch } from './lib/app.js'
import { launchChromium, withTimeout } from './lib/browser.js'
import { eventLines, keepPeerConnections, longestStill, sample } from './lib/rtc-timeline.js'
import { rawRtc } from './lib/raw-rtc.js'
import { RAW_STORE_PATH, STORE_BATCH } from './lib/raw-store.js'
import { runWhenMain } from './lib/cli.js'
import { attachToNode, attachToPage, formatSlices, startProfiling, summarise } from './lib/profile.js'
import { cpuByProcessKind, cpuSpent, machineBusyMs, processCpuMs, udpReceiveDrops } from './lib/process-cpu.js'
import { median, reflow, table, writeSection } from './lib/results.js'

const BENCH = dirname(fileURLToPath(import.meta.url))
const APP_ROOT = join(BENCH, 'out', 'dist')
const RESULTS = join(BENCH, 'RESULTS.md')
const MiB = 1024 * 1024
export const DEFAULT_SIZE_MIB = 64
export const DEFAULT_RUNS = 20
/** A block that waited longer than this makes its run a stall. */
export const STALL_WAIT_MS = 2000
/** A run below this share of its way's median speed is a stall. */
export const STALL_SPEED_SHARE = 0.5
const STEP_TIMEOUT_MS = 240_000

/** @typedef {import('@playwright/test').Page} Page */
/** @typedef {import('@playwright/test').BrowserContext} BrowserContext */

/**
 * @typedef {object} Env what every way shares
 * @property {number} size bytes per transfer
 * @property {Awaited<ReturnType<typeof startLocalNetwork>>} network
 * @property {number} rawPort the raw WebSocket server's port
 * @property {import('../scripts/kubo.js').Kubo | undefined} kubo
 * @property {import('@playwright/test').Browser} browser
 * @property {string} dir temporary files
 * @property {Map<number, string>} infraRoots per run, the root the to-infra way left on the infra node
 * @property {BrowserContext[]} contexts the browser contexts of the way's current run, closed after it
 */

/** @typedef {{ ms: number, waitMs: number, firstByteMs?: number }} PollenResult */
/** @typedef {{ ms: number, gapMs?: number }} RawResult */

/**
 * @typedef {object} Prepared one run of a way, set up
 * @property {() => Promise<PollenResult>} pollen the transfer through Pollen
 * @property {() => Promise<RawResult>} raw the raw pipe, same size
 * @property {() => Promise<RawResult>} [stored] the raw pipe with the least storage work any node must add (the way's `storedPipe`)
 * @property {Array<{ name: string, page: Page, node: boolean }>} profiled what --profile records during `pollen`: a page's node (its SharedWorker) or the page itself
 */

/**
 * @typedef {object} Way
 * @property {string} key
 * @property {string} name
 * @property {number} [target] the Pollen / raw ratio issue 13 asks for
 * @property {string} rawPipe the raw pipe in words
 * @property {string} [storedPipe] in words, the raw pipe with the storage work any node must add, where the way measures one
 * @property {string} stall which measure says a block waited
 * @property {string} how how a run is made and timed
 * @property {boolean} [kubo] needs Kubo
 * @property {(env: Env, run: number, seed: number) => Promise<Prepared>} prepare
 */

/** A fresh browser context with the app open on `screen` and its node connected; closed after the run. */
async function openContext (/** @type {Env} */ env, /** @type {string} */ screen, { keepRtc = false } = {}) {
  const context = await env.browser.newContext()
  env.contexts.push(context)
  if (keepRtc) await keepPeerConnections(context)
  const page = await context.newPage()
  await openApp(page, env.network.appUrl, screen)
  return { context, page }
}

/** Kubo keeps what it added or pulled (unpinned): collected after each round, outside any timing. */
async function collectKuboGarbage (/** @type {import('../scripts/kubo.js').Kubo | undefined} */ kubo) {
  try {
    await kubo?.ipfs(['repo', 'gc', '--quiet'])
  } catch (err) {
    console.error(`transfer: Kubo's repo gc failed (${err instanceof Error ? err.message : err}); its repository keeps growing`)
  }
}

/** Closes the contexts of the way's run that ended. */
async function closeContexts (/** @type {Env} */ env) {
  await Promise.all(env.contexts.splice(0).map(async context => { await context.close().catch(() => {}) }))
}

/** A new file of `size` pseudo-random bytes (Playwright passes large files by path). */
async function fileFor (/** @type {Env} */ env, /** @type {number} */ seed) {
  const file = join(env.dir, `bench-${seed}.bin`)
  await writeFile(file, contentFor(env.size, seed))
  return file
}

/** Adds the file through the UI (a fresh context: the only row) and returns its root CID. */
async function addFile (/** @type {Page} */ page, /** @type {string} */ file) {
  await page.getByTestId('file-input').setInputFiles(file)
  const row = page.getByTestId('file-row').first()
  await row.waitFor({ timeout: STEP_TIMEOUT_MS })
  return /** @type {string} */ (await row.getAttribute('data-cid'))
}

/**
 * Adds the file in page A and returns its share link once A holds a relay slot and hosts WebRTC
 * (the share panel says so: the link itself names the peer only) and the link carries the size.
 */
async function addAndShare (/** @type {Page} */ page, /** @type {string} */ file) {
  await addFile(page, file)
  await page.getByTestId('file-row').first().getByTestId('share-button').click()
  await page.waitForFunction(() => {
    const panel = document.querySelector('[data-testid="share-panel"]')
    const link = /** @type {HTMLInputElement | null} */ (document.querySelector('[data-testid="share-link"]'))?.value ?? ''
    return panel?.getAttribute('data-relayed') === 'true' && panel.getAttribute('data-webrtc') === 'true' &&
      /[?&]peer=/.test(link) && /[?&]size=\d+/.test(link)
  }, undefined, { timeout: 30_000 })
  return await page.getByTestId('share-link').inputValue()
}

/** Connects the page's node to `addr` on the Peers screen; resolves once the connection is listed with `transport`. */
async function connectTo (/** @type {Page} */ page, /** @type {string} */ addr, /** @type {string} */ peer, /** @type {string} */ transport) {
  await page.goto(`${new URL(page.url()).origin}/#/peers`)
  await page.getByTestId('connect-input').fill(addr)
  await page.getByTestId('connect-button').click()
  await page.locator(`[data-testid="peer-row"][data-peer="${peer}"][data-transport="${transport}"]`).first().waitFor({ timeout: 30_000 })
}

/** The node's connections to `peer` as the Peers screen lists them: their transports. */
async function transportsTo (/** @type {Page} */ page, /** @type {string} */ peer) {
  await page.goto(`${new URL(page.url()).origin}/#/peers`)
  const rows = page.locator(`[data-testid="peer-row"][data-peer="${peer}"]`)
  await rows.first().waitFor({ timeout: 10_000 })
  return await rows.evaluateAll(elements => elements.map(element => element.getAttribute('data-transport') ?? ''))
}

/**
 * @typedef {{ role: string, kind: string, relayed: string, bytes: number, text: string }} Source
 */

/**
 * Opens `link` in the page's running app and fetches it; milliseconds from the click on Fetch to
 * "done", the fetch's longest block wait, and (with `firstByte`) when the sharer's first byte came
 * over a direct connection. Fails unless every byte came from a source `expected` accepts.
 * @param {Page} page
 * @param {string} link
 * @param {{ size: number, expected: (source: Source) => boolean, from: string, firstByte?: boolean, rtcPages?: { sender: Page, receiver: Page } }} options
 * @returns {Promise<PollenResult>}
 */
async function fetchLink (page, link, options) {
  await page.getByTestId('open-input').fill(link)
  // A share link is offered first (size, sharer); the fetch starts at the person's click on Fetch.
  await page.getByTestId('open-button').click()
  const stopSampling = options.rtcPages == null ? undefined : await Promise.all([sample(options.rtcPages.sender), sample(options.rtcPages.receiver)])
  const started = performance.now()
  await page.getByTestId('fetch-confirm').click()
  let firstByteMs
  if (options.firstByte === true) {
    await waitForFetch(page, STEP_TIMEOUT_MS, { selector: '[data-testid="fetch-source"][data-role="sharer"][data-relayed="false"]' })
    firstByteMs = performance.now() - started
  }
  await waitForFetch(page, STEP_TIMEOUT_MS)
  const ms = performance.now() - started
  const wait = await page.getByTestId('fetch-job').getAttribute('data-longest-block-wait-ms')
  const timelines = stopSampling == null ? undefined : await Promise.all(stopSampling.map(async stop => await stop()))
  const late = (firstByteMs ?? 0) > STALL_WAIT_MS || Number(wait) > STALL_WAIT_MS
  if (timelines != null && (late || process.env.BENCH_DEBUG)) {
    // Where the wait was: the peer connections' own byte counts, from the click on.
    const sent = longestStill(timelines[0], 1)
    const received = longestStill(timelines[1], 2)
    console.log(`transport: the sender's peer connections sent nothing for ${sent.ms.toFixed(0)} ms from ${sent.at.toFixed(0)} ms; the receiver's received nothing for ${received.ms.toFixed(0)} ms from ${received.at.toFixed(0)} ms (${timelines[0].samples.at(-1)?.[1] ?? 0} bytes sent, ${timelines[1].samples.at(-1)?.[2] ?? 0} received, in ${timelines[1].samples.length} samples)`)
    console.log(`transport: the sender's peer connections:\n${eventLines(timelines[0]).join('\n')}\nthe receiver's:\n${eventLines(timelines[1]).join('\n')}`)
  }
  /** @type {Source[]} */
  const sources = await page.getByTestId('fetch-source').evaluateAll(elements => elements.map(element => ({
    role: element.getAttribute('data-role') ?? '',
    kind: element.getAttribute('data-kind') ?? '',
    relayed: element.getAttribute('data-relayed') ?? '',
    bytes: Number(element.getAttribute('data-bytes')),
    text: element.textContent ?? ''
  })))
  // A late first byte is a stall to explain: the sharer line holds the dial's steps and their times.
  if (process.env.BENCH_DEBUG || late) console.log([await page.getByTestId('fetch-sharer').textContent().catch(() => 'no sharer line'), ...sources.map(s => s.text)].join('\n'))
  const fromExpected = sources.filter(options.expected).reduce((sum, s) => sum + s.bytes, 0)
  const others = sources.filter(s => !options.expected(s) && s.bytes > 0)
  if (others.length > 0 || fromExpected < options.size) {
    throw new Error(`the bytes did not all come from ${options.from}: ${fromExpected} of at least ${options.size} bytes did; sources: ${sources.map(s => s.text).join('; ') || 'none'}`)
  }
  if (wait == null) throw new Error('the fetch summary has no longest block wait (an app built before src/node/fetcher.ts recorded it?)')
  return { ms, waitMs: Number(wait), firstByteMs }
}

/**
 * Calls a Kubo RPC `refs -r` (the infra node's preload endpoint, or Kubo's own) and reads its
 * streamed lines: milliseconds to the end of the answer, and the longest gap between consecutive
 * lines (from the call to the first line, then line to line). Each line is a block the caller
 * pulled; fails on an error line or when fewer than `minRefs` came.
 * @param {string} url
 * @param {{ origin?: string, minRefs: number }} options
 * @returns {Promise<PollenResult>}
 */
async function pullRefs (url, options) {
  const started = performance.now()
  const response = await fetch(url, { method: 'POST', headers: options.origin == null ? {} : { Origin: options.origin } })
  if (!response.ok || response.body == null) throw new Error(`${url} answered ${response.status}: ${(await response.text()).slice(0, 300)}`)
  let last = started
  let waitMs = 0
  let refs = 0
  let buffered = ''
  const decoder = new TextDecoder()
  for await (const chunk of /** @type {AsyncIterable<Uint8Array>} */ (/** @type {unknown} */ (response.body))) {
    const now = performance.now()
    if (process.env.BENCH_DEBUG) console.log(`refs chunk at ${(now - started).toFixed(0)} ms: ${chunk.byteLength} bytes`)
    buffered += decoder.decode(chunk, { stream: true })
    const lines = buffered.split('\n')
    buffered = lines.pop() ?? ''
    for (const line of lines) {
      if (line.trim() === '') continue
      /** @type {{ Ref?: string, Err?: string }} */
      const ref = JSON.parse(line)
      if (ref.Err != null && ref.Err !== '') throw new Error(`${url}: ${ref.Err}`)
      refs++
      waitMs = Math.max(waitMs, now - last)
      last = now
    }
  }
  const ms = performance.now() - started
  if (refs < options.minRefs) throw new Error(`${url} named ${refs} blocks, fewer than the ${options.minRefs} of the file`)
  return { ms, waitMs }
}

/** How bench/lib/raw-pipe-worker.js's `down-stored` commits, in words. */
const STORED_BATCH_WORDS = `one transaction per ${STORE_BATCH} messages`

/** Where bench/lib/raw-pipe-worker.js is served on the app's origin (copied into the app's root before the runs). */
const RAW_PIPE_WORKER_PATH = '/bench/raw-pipe-worker.js'

/**
 * The raw WebSocket pipe, run in a SharedWorker of the page's origin (bench/lib/raw-pipe-worker.js),
 * where the node runs too and where the DevTools protocol the driver holds does not watch the socket:
 * `up` sends `size` bytes to the raw server's sink, at most 4 MiB buffered, timed from the first send
 * to the server's answer that all arrived; `up-stored` reads each 1 MiB block from IndexedDB before
 * sending it and the server hashes each and writes it to a file before it answers; `down` receives
 * them from its source, timed from opening the socket to its close, with the longest gap between
 * messages; `down-stored` receives them and hashes and stores each in IndexedDB, timed to the last
 * commit. The app's own server serves the
 * script: Chromium puts a worker whose script the driver answered in the public address space, and
 * then refuses its connections to loopback.
 * @param {Page} page
 * @returns {Promise<RawResult>}
 */
async function rawPipe (page, /** @type {'up' | 'up-stored' | 'down' | 'down-stored'} */ op, /** @type {number} */ port, /** @type {number} */ size) {
  return await page.evaluate(async ({ path, op, port, size }) => {
    const worker = new SharedWorker(path, { name: 'raw-pipe' })
    try {
      return await new Promise((resolve, reject) => {
        worker.port.onmessage = ({ data }) => { if (data.error != null) reject(new Error(data.error)); else resolve(data.result) }
        worker.onerror = () => { reject(new Error(`the raw pipe worker ${path} did not start`)) }
        worker.port.postMessage({ op, port, size })
      })
    } finally {
      worker.port.close()
    }
  }, { path: RAW_PIPE_WORKER_PATH, op, port, size })
}

/** `up-stored` of rawPipe in words, for a way whose receiver is `receiver`. */
const upStoredWords = (/** @type {string} */ receiver) => `the raw pipe whose sender reads each 1 MiB block from IndexedDB before sending it (one read ahead) and whose server hashes each (SHA-256) and writes it to a file of its own before it answers, as a sending node and ${receiver} must`

/** The infra node's preload of `root`, pulled from whichever browser holds it. */
async function preloadToInfra (/** @type {Env} */ env, /** @type {string} */ root) {
  const result = await pullRefs(`${env.network.infra.httpUrl}/api/v0/refs?r=true&arg=${root}`, { origin: env.network.appOrigin, minRefs: Math.floor(env.size / MiB) })
  // Only the browser held these blocks: the infra node must hold them all now.
  const kept = await fetch(`${env.network.infra.httpUrl}/preload/${root}`)
  const held = kept.ok ? /** @type {{ bytes: number }} */ (await kept.json()).bytes : 0
  if (held < env.size) throw new Error(`the infra node holds ${held} bytes of ${root} after the preload, not the ${env.size} of the file`)
  return result
}

/** @type {Way[]} */
export const WAYS = [
  {
    key: 'to-infra',
    name: 'browser → infra node',
    target: 0.7,
    rawPipe: 'page\'s shared worker → raw WebSocket server, 1 MiB messages',
    storedPipe: upStoredWords('the infra node'),
    stall: 'longest gap between the preload answer\'s refs lines',
    how: 'the page added the file; the driver calls the infra node\'s preload endpoint (`POST /api/v0/refs?r=true`), which walks the DAG and takes its blocks from the browser, as one CAR stream over libp2p from the peer that sent the root over bitswap (src/infra/preload-car.ts), timed to the end of its answer; the infra node must then hold the whole file',
    async prepare (env, run, seed) {
      const { page } = await openContext(env, 'files')
      const root = await addFile(page, await fileFor(env, seed))
      return {
        pollen: async () => {
          const result = await preloadToInfra(env, root)
          env.infraRoots.set(run, root)
          return result
        },
        raw: async () => await rawPipe(page, 'up', env.rawPort, env.size),
        stored: async () => await rawPipe(page, 'up-stored', env.rawPort, env.size),
        profiled: [{ name: 'the sending node', page, node: true }]
      }
    }
  },
  {
    key: 'from-infra',
    name: 'infra node → browser',
    target: 0.7,
    rawPipe: 'raw WebSocket server → page\'s shared worker, 1 MiB messages',
    storedPipe: `the raw pipe that also hashes each message (WebCrypto SHA-256) and stores it in IndexedDB (${STORED_BATCH_WORDS}), as a receiving node must`,
    stall: 'the fetch\'s longest block wait',
    how: 'a fresh context opens a share link (no sharer address) of the root the infra node preloaded in this run\'s browser → infra node transfer, and fetches every block from the infra node (bitswap over WebSocket), verifies and stores it',
    async prepare (env, run, seed) {
      let root = env.infraRoots.get(run)
      if (root == null) {
        // Run without the browser → infra node way: put a file there first (not timed).
        const sender = await openContext(env, 'files')
        root = await addFile(sender.page, await fileFor(env, seed))
        await withTimeout(preloadToInfra(env, root), STEP_TIMEOUT_MS, 'preload')
        await sender.context.close()
        env.contexts.splice(env.contexts.indexOf(sender.context), 1)
      }
      const link = `${env.network.appUrl}#/open?cid=${root}&name=bench.bin`
      const { page } = await openContext(env, 'open')
      return {
        pollen: async () => await fetchLink(page, link, { size: env.size, expected: s => s.kind === 'peer' && s.role === 'bootstrap' && s.relayed === 'false', from: 'the infra node (the bootstrap peer)' }),
        raw: async () => await rawPipe(page, 'down', env.rawPort, env.size),
        stored: async () => await rawPipe(page, 'down-stored', env.rawPort, env.size),
        profiled: [{ name: 'the receiving node', page, node: true }]
      }
    }
  },
  {
    key: 'webrtc',
    name: 'browser → browser (WebRTC)',
    target: 0.8,
    rawPipe: 'raw RTCDataChannel page A → page B, 64 KiB messages, at most 64 KiB queued',
    storedPipe: `the raw data channel whose sender reads each 1 MiB block from IndexedDB before sending it (one read ahead) and whose receiver hashes each (WebCrypto SHA-256) and stores it (one transaction per ${STORE_BATCH} blocks), as a sharer and a receiving node must`,
    stall: 'the fetch\'s longest block wait',
    how: 'context A adds the file and copies its share link; context B opens it: dial through the infra node\'s relay, upgrade to a direct WebRTC connection through the pages\' peer connections (src/node/webrtc-shim.ts), the DAG as CARs over libp2p from the sharer (bitswap for what they did not bring), verify, store. The deployment names no gateway, so only the sharer can serve; every byte must come from it over the direct connection',
    async prepare (env, run, seed) {
      const a = await openContext(env, 'files', { keepRtc: true })
      const link = await addAndShare(a.page, await fileFor(env, seed))
      const b = await openContext(env, 'open', { keepRtc: true })
      return {
        pollen: async () => await fetchLink(b.page, link, { size: env.size, expected: s => s.role === 'sharer' && s.relayed === 'false', from: 'the sharer over a direct connection', firstByte: true, rtcPages: { sender: a.page, receiver: b.page } }),
        raw: async () => await rawRtc(a.page, b.page, env.size),
        stored: async () => await rawRtc(a.page, b.page, env.size, { stored: true }),
        profiled: [
          { name: 'the sharer\'s node', page: a.page, node: true },
          { name: 'the sharer\'s page (its peer connections)', page: a.page, node: false },
          { name: 'the receiving node', page: b.page, node: true },
          { name: 'the receiver\'s page (its peer connections)', page: b.page, node: false }
        ]
      }
    }
  },
  ...[['ws', 'WebSocket'], ['wt', 'WebTransport']].map(([short, transport]) => /** @type {Way} */ ({
    key: `kubo-${short}`,
    name: `Kubo → browser (${transport})`,
    kubo: true,
    rawPipe: 'raw WebSocket server → page\'s shared worker, 1 MiB messages',
    stall: 'the fetch\'s longest block wait',
    how: `Kubo adds the file (Pollen's import profile, not pinned); a fresh context opens a share link whose only address is Kubo's ${transport} one and fetches the whole DAG from it; every byte must come from Kubo, over ${transport}`,
    async prepare (env, run, seed) {
      const kubo = /** @type {import('../scripts/kubo.js').Kubo} */ (env.kubo)
      const cid = (await kubo.ipfs(['add', '-Q', '--pin=false'], contentFor(env.size, seed))).toString().trim()
      const addr = short === 'ws' ? kubo.addrs.ws : kubo.addrs.webtransport
      const link = `${env.network.appUrl}#/open?cid=${cid}&name=bench.bin&addr=${encodeURIComponent(addr)}`
      const { page } = await openContext(env, 'open')
      return {
        pollen: async () => {
          const result = await fetchLink(page, link, { size: env.size, expected: s => s.kind === 'peer' && s.role === 'sharer', from: 'Kubo (the sharer the link names)' })
          const transports = await transportsTo(page, kubo.peerId)
          if (!transports.every(t => t === transport)) throw new Error(`the node's connections to Kubo are ${transports.join(', ')}, not ${transport} alone`)
          return result
        },
        raw: async () => await rawPipe(page, 'down', env.rawPort, env.size),
        profiled: [{ name: 'the receiving node', page, node: true }]
      }
    }
  })),
  {
    key: 'to-kubo',
    name: 'browser → Kubo',
    kubo: true,
    rawPipe: 'page\'s shared worker → raw WebSocket server, 1 MiB messages',
    storedPipe: upStoredWords('Kubo'),
    stall: 'longest gap between Kubo\'s `refs -r` lines',
    how: 'the page added the file and connected to Kubo\'s WebSocket address (Peers screen); the driver calls Kubo\'s RPC `refs -r` on the root, as a preload does (Kubo pulls every block from the browser over bitswap), timed to the end of its answer',
    async prepare (env, run, seed) {
      const kubo = /** @type {import('../scripts/kubo.js').Kubo} */ (env.kubo)
      const { page } = await openContext(env, 'files')
      const root = await addFile(page, await fileFor(env, seed))
      await connectTo(page, kubo.addrs.ws, kubo.peerId, 'WebSocket')
      return {
        pollen: async () => await pullRefs(`${kubo.apiUrl}/api/v0/refs?r=true&arg=${root}`, { minRefs: Math.floor(env.size / MiB) }),
        raw: async () => await rawPipe(page, 'up', env.rawPort, env.size),
        stored: async () => await rawPipe(page, 'up-stored', env.rawPort, env.size),
        profiled: [{ name: 'the sending node', page, node: true }]
      }
    }
  }
]

/**
 * Runs one step (`attempt`) and says what CPU it cost: the whole machine's busy time and the infra
 * node's; with BENCH_CPU set, prints each kind of process's share.
 * @template T
 * @param {() => Promise<T>} step
 * @param {string} what
 * @param {number} infraPid
 */
async function measuredStep (step, what, infraPid) {
  const infraCpu = processCpuMs(infraPid)
  const busy = machineBusyMs()
  const drops = udpReceiveDrops()
  const threads = process.env.BENCH_CPU === 'threads'
  const kinds = process.env.BENCH_CPU ? cpuByProcessKind({ threads }) : undefined
  const { value, error } = await attempt(step, what)
  if (kinds != null) console.log(`transfer: ${what} CPU by process: ${cpuSpent(kinds, cpuByProcessKind({ threads }))}`)
  return {
    value,
    error,
    udpDrops: drops == null ? undefined : (udpReceiveDrops() ?? NaN) - drops,
    busyMs: busy == null ? undefined : (machineBusyMs() ?? NaN) - busy,
    infraCpuMs: infraCpu == null ? undefined : (processCpuMs(infraPid) ?? NaN) - infraCpu
  }
}

/**
 * @typedef {object} Measured one run of a way
 * @property {PollenResult} [pollen]
 * @property {RawResult} [raw]
 * @property {RawResult} [stored] the raw pipe that also hashes and stores, where the way has one
 * @property {number} [infraCpuMs] CPU time (user and system) the infra node spent during the Pollen transfer
 * @property {number} [pollenBusyMs] CPU time the whole machine spent busy during the Pollen transfer
 * @property {number} [rawBusyMs] the same during the raw pipe's transfer
 * @property {number} [udpDrops] UDP datagrams the machine dropped for a full receive buffer during the Pollen transfer
 * @property {string} [setupError] the run could not be set up (nothing was measured; not in the figures)
 * @property {string} [pollenError]
 * @property {string} [rawError]
 * @property {string} [storedError]
 */

/**
 * Runs `work` under the step timeout; a failure is returned, not thrown.
 * @template T
 * @param {() => Promise<T>} work
 * @param {string} what
 * @returns {Promise<{ value?: T, error?: string }>}
 */
async function attempt (work, what) {
  try {
    return { value: await withTimeout(work(), STEP_TIMEOUT_MS, what) }
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) }
  }
}

/**
 * Figures of one way.
 * @param {Way} way
 * @param {Measured[]} measured
 * @param {number} size
 */
export function statsOf (way, measured, size) {
  const runs = measured.filter(r => r.setupError == null)
  const rate = (/** @type {number} */ ms) => size / MiB / (ms / 1000)
  // A failed run moved nothing: 0 MiB/s, and a stall.
  const rates = runs.map(r => r.pollen == null ? 0 : rate(r.pollen.ms))
  const med = median(rates)
  const stalled = runs.map((r, i) => r.pollen == null || rates[i] < STALL_SPEED_SHARE * med || r.pollen.waitMs > STALL_WAIT_MS)
  const rawRates = runs.flatMap(r => r.raw == null ? [] : [rate(r.raw.ms)])
  const rawMed = rawRates.length > 0 ? median(rawRates) : Number.NaN
  const waits = runs.flatMap(r => r.pollen == null ? [] : [r.pollen.waitMs])
  const ratio = med / rawMed
  return {
    way,
    rates,
    median: med,
    slowest: Math.min(...rates),
    stalled,
    stalls: stalled.filter(Boolean).length,
    failed: runs.filter(r => r.pollenError != null).length,
    rawRates,
    rawMedian: rawMed,
    rawFailed: runs.filter(r => r.rawError != null).length,
    ratio,
    waits,
    ratioMet: way.target == null ? undefined : ratio >= way.target,
    firstBytes: runs.flatMap(r => r.pollen?.firstByteMs == null ? [] : [r.pollen.firstByteMs]),
    rawGaps: runs.flatMap(r => r.raw?.gapMs == null ? [] : [r.raw.gapMs]),
    storedRates: runs.flatMap(r => r.stored == null ? [] : [rate(r.stored.ms)]),
    pollenBusy: runs.flatMap(r => r.pollen == null || r.pollenBusyMs == null ? [] : [r.pollenBusyMs]),
    rawBusy: runs.flatMap(r => r.raw == null || r.rawBusyMs == null ? [] : [r.rawBusyMs])
  }
}

/**
 * @param {{ runs?: number, sizeMiB?: number, write?: boolean, appRoot?: string, ways?: string[], profile?: boolean, command?: string }} [options]
 */
export async function run (options = {}) {
  const size = (options.sizeMiB ?? DEFAULT_SIZE_MIB) * MiB
  const runs = options.runs ?? DEFAULT_RUNS
  const appRoot = options.appRoot ?? APP_ROOT
  const ways = options.ways == null ? WAYS : options.ways.map(key => {
    const way = WAYS.find(w => w.key === key)
    if (way == null) throw new Error(`unknown way "${key}"; the ways: ${WAYS.map(w => w.key).join(', ')}`)
    return way
  })
  const command = options.command ?? `node bench/transfer.js ${process.argv.slice(2).join(' ')}`.trim()
  const dir = await mkdtemp(join(tmpdir(), 'pollen-bench-transfer-'))
  await mkdir(join(appRoot, dirname(RAW_PIPE_WORKER_PATH)), { recursive: true })
  await copyFile(join(BENCH, 'lib', 'raw-pipe-worker.js'), join(appRoot, RAW_PIPE_WORKER_PATH))
  await copyFile(join(BENCH, 'lib', 'raw-store.js'), join(appRoot, RAW_STORE_PATH))
  const infraDataDir = await mkdtemp(join(tmpdir(), 'pollen-bench-infra-'))
  // No gateway: every block must cross the way's own connection (the infra node's gateway would step in after a pause).
  const network = await startLocalNetwork({ root: appRoot, infraDataDir, autoPreload: false, gatewayFallback: false, log: process.env.BENCH_INFRA_LOG ? line => { appendFileSync(/** @type {string} */ (process.env.BENCH_INFRA_LOG), line + '\n') } : undefined })
  /** @type {Awaited<ReturnType<typeof startNode22Process>> | undefined} */
  let rawServer
  /** @type {import('../scripts/kubo.js').Kubo | undefined} */
  let kubo
  /** @type {import('@playwright/test').Browser | undefined} */
  let browser
  /** @type {Map<string, Measured[]>} */
  const measured = new Map(ways.map(way => [way.key, []]))
  /** @type {Array<{ way: Way, name: string, summary?: Awaited<ReturnType<typeof summarise>>, error?: string }>} */
  const profiles = []
  let version = ''
  try {
    rawServer = await startNode22Process({ name: 'the raw WebSocket server', args: [join(BENCH, 'raw-ws-server.js')] })
    if (ways.some(way => way.kubo === true)) kubo = await startKubo(network.appOrigin)
    browser = await launchChromium()
    version = browser.version()
    /** @type {Env} */
    const env = { size, network, rawPort: rawServer.ready.port, kubo, browser, dir, infraRoots: new Map(), contexts: [] }
    const seedOf = (/** @type {Way} */ way, /** @type {number} */ i) => 13_000 + 1000 * WAYS.indexOf(way) + i

    for (let i = 0; i < runs; i++) {
      for (const way of ways) {
        /** @type {Measured} */
        const result = {}
        try {
          const { value: prepared, error } = await attempt(async () => await way.prepare(env, i, seedOf(way, i)), `${way.key}: setting up run ${i + 1}`)
          result.setupError = error
          if (prepared != null) {
            const steps = [
              async () => {
                if (process.env.BENCH_INFRA_LOG) appendFileSync(process.env.BENCH_INFRA_LOG, `MARK start ${way.key} ${i + 1}\n`)
                const { value, error, busyMs, infraCpuMs, udpDrops } = await measuredStep(prepared.pollen, `${way.key}: Pollen`, network.infra.pid)
                if (process.env.BENCH_INFRA_LOG) appendFileSync(process.env.BENCH_INFRA_LOG, `MARK end ${way.key} ${i + 1} ${infraCpuMs}\n`)
                Object.assign(result, { pollen: value, pollenError: error, pollenBusyMs: busyMs, infraCpuMs, udpDrops })
              },
              async () => {
                const { value, error, busyMs } = await measuredStep(prepared.raw, `${way.key}: raw`, network.infra.pid)
                Object.assign(result, { raw: value, rawError: error, rawBusyMs: busyMs })
              },
              ...(prepared.stored == null
                ? []
                : [async () => {
                    const { value, error } = await measuredStep(/** @type {() => Promise<RawResult>} */ (prepared.stored), `${way.key}: raw, stored`, network.infra.pid)
                    Object.assign(result, { stored: value, storedError: error })
                  }])
            ]
            // Alternate which goes first, so neither always meets a warmer (or busier) machine.
            for (const step of i % 2 === 0 ? steps : steps.reverse()) await step()
          }
        } finally {
          await closeContexts(env)
        }
        measured.get(way.key)?.push(result)
        const rate = (/** @type {number} */ ms) => (size / MiB / (ms / 1000)).toFixed(1)
        if (result.setupError != null) {
          console.error(`transfer: *** ${way.name}, run ${i + 1}: setting up FAILED: ${result.setupError}`)
          continue
        }
        const pollen = result.pollen == null ? `FAILED: ${result.pollenError}` : `${result.pollen.ms.toFixed(0)} ms (${rate(result.pollen.ms)} MiB/s, longest wait ${result.pollen.waitMs.toFixed(0)} ms)`
        const raw = result.raw == null ? `FAILED: ${result.rawError}` : `${result.raw.ms.toFixed(0)} ms (${rate(result.raw.ms)} MiB/s)`
        const infraCpu = result.infraCpuMs == null ? '' : `; infra node CPU ${result.infraCpuMs.toFixed(0)} ms`
        const busy = result.pollenBusyMs == null || result.rawBusyMs == null ? '' : `; machine CPU ${result.pollenBusyMs.toFixed(0)} ms (raw ${result.rawBusyMs.toFixed(0)} ms)`
        const firstByte = result.pollen?.firstByteMs == null ? '' : `; first byte after ${result.pollen.firstByteMs.toFixed(0)} ms`
        const drops = (result.udpDrops ?? 0) > 0 ? `; ${result.udpDrops} UDP datagrams dropped (receive buffer full)` : ''
        const stored = result.stored != null ? `; raw, stored ${rate(result.stored.ms)} MiB/s` : result.storedError != null ? `; raw, stored FAILED: ${result.storedError}` : ''
        console.log(`transfer: run ${i + 1}/${runs}, ${way.name}: Pollen ${pollen}; raw ${raw}${stored}${infraCpu}${busy}${firstByte}${drops}`)
        if (result.pollen == null) console.error(`transfer: *** ${way.name}, run ${i + 1}: Pollen FAILED: ${result.pollenError}`)
      }
      await collectKuboGarbage(kubo)
    }

    if (options.profile === true) {
      for (const way of ways) {
        try {
          const prepared = await withTimeout(way.prepare(env, runs, seedOf(way, runs)), STEP_TIMEOUT_MS, `${way.key}: setting up the profiled run`)
          const targets = await Promise.all(prepared.profiled.map(async ({ name, page, node }) => ({ name, target: node ? await attachToNode(/** @type {import('@playwright/test').Browser} */ (browser), page) : await attachToPage(page) })))
          const stops = await Promise.all(targets.map(async ({ target }) => await startProfiling(target)))
          const { value, error } = await attempt(prepared.pollen, `${way.key}: profiled Pollen`)
          const recorded = await Promise.all(stops.map(async stop => await stop()))
          await Promise.all(targets.map(async ({ target }) => await target.detach()))
          for (let t = 0; t < targets.length; t++) {
            profiles.push({ way, name: targets[t].name, summary: await summarise(recorded[t], appRoot), error })
            if (process.env.BENCH_PROFILE_DIR) await writeFile(join(process.env.BENCH_PROFILE_DIR, `${way.key}-${t + 1}.cpuprofile`), JSON.stringify(recorded[t]))
          }
          console.log(`transfer: profiled run, ${way.name}: ${value == null ? `FAILED: ${error}` : `${value.ms.toFixed(0)} ms`}`)
          for (const p of profiles.filter(p => p.way === way)) {
            console.log(`  ${p.name}: ${formatSlices(p.summary?.categories ?? [])}`)
            console.log(`    top modules: ${formatSlices((p.summary?.modules ?? []).slice(0, 6), 0)}`)
          }
        } catch (err) {
          // The measured runs are kept whatever happens here.
          const error = err instanceof Error ? err.message : String(err)
          console.error(`transfer: *** profiled run, ${way.name} FAILED: ${error}`)
          profiles.push({ way, name: '(no profile)', error })
        } finally {
          await closeContexts(env)
        }
        await collectKuboGarbage(kubo)
      }
    }
  } finally {
    await browser?.close()
    await kubo?.stop()
    await rawServer?.stop()
    await network.close()
    await rm(dir, { recursive: true, force: true })
    await rm(infraDataDir, { recursive: true, force: true })
  }

  const stats = ways.map(way => statsOf(way, /** @type {Measured[]} */ (measured.get(way.key)), size))
  const mark = (/** @type {boolean} */ met) => met ? 'met' : '**not met**'
  const rows = stats.map(s => [
    s.way.name,
    s.median.toFixed(1),
    s.slowest.toFixed(1),
    `${s.stalls}${s.failed > 0 ? ` (${s.failed} failed)` : ''}`,
    s.waits.length === 0 ? '–' : `${median(s.waits).toFixed(0)} / ${Math.max(...s.waits).toFixed(0)}`,
    Number.isNaN(s.rawMedian) ? '–' : s.rawMedian.toFixed(1),
    Number.isNaN(s.ratio) ? '–' : s.ratio.toFixed(2),
    `${s.way.target == null ? '' : `≥ ${s.way.target.toFixed(1)}: ${mark(/** @type {boolean} */ (s.ratioMet))}; `}0 stalls: ${mark(s.stalls === 0)}`
  ])
  const runRows = stats.map(s => [
    s.way.name,
    s.rates.map((r, i) => `${r.toFixed(1)}${s.stalled[i] ? '*' : ''}`).join(', '),
    s.rawRates.map(r => r.toFixed(1)).join(', ')
  ])
  const failures = [
    ...ways.flatMap(way => (measured.get(way.key) ?? []).flatMap((r, i) => [
      ...(r.setupError == null ? [] : [`${way.name}, run ${i + 1}, setting up (not measured): ${r.setupError}`]),
      ...(r.pollenError == null ? [] : [`${way.name}, run ${i + 1}, Pollen: ${r.pollenError}`]),
      ...(r.rawError == null ? [] : [`${way.name}, run ${i + 1}, raw: ${r.rawError}`]),
      ...(r.storedError == null ? [] : [`${way.name}, run ${i + 1}, raw, stored: ${r.storedError}`])
    ])),
    ...new Set(profiles.filter(p => p.error != null).map(p => `${p.way.name}, the profiled run (not counted): ${p.error}`))
  ]
  const webrtc = stats.find(s => s.way.key === 'webrtc')
  const extra = [
    ...(webrtc != null && webrtc.firstBytes.length > 0 ? [`| browser → browser: share link to the first byte over the direct connection (median, slowest) | ${median(webrtc.firstBytes).toFixed(0)} ms, ${Math.max(...webrtc.firstBytes).toFixed(0)} ms |`] : []),
    ...stats.filter(s => s.rawGaps.length > 0).map(s => `| ${s.way.name}: raw pipe's longest gap between messages (median, longest) | ${median(s.rawGaps).toFixed(0)} ms, ${Math.max(...s.rawGaps).toFixed(0)} ms |`)
  ]
  // The raw pipe with the storage work any node must add: how close to the raw pipe anything that stores can come.
  const stored = stats.filter(s => s.storedRates.length > 0)
  const storedText = stored.length === 0
    ? ''
    : `**The least any node must add.** The raw pipe once more, with only the storage work that no node can skip: reading each block from IndexedDB where a browser sends, hashing each block (SHA-256) and storing it where a node receives. No encryption beyond the pipe's own, no protocol, no block format, no multiplexing. Its ratio to the raw pipe is the most any storing node could reach here; Pollen / it is Pollen against that.\n\n${table(['way', 'raw pipe MiB/s', 'with the storage work, MiB/s', 'that / raw pipe', 'target (Pollen / raw)', 'Pollen MiB/s', 'Pollen / it'], stored.map(s => {
      const storedMedian = median(s.storedRates)
      return [s.way.name, s.rawMedian.toFixed(1), storedMedian.toFixed(1), (storedMedian / s.rawMedian).toFixed(2), s.way.target == null ? '–' : `≥ ${s.way.target.toFixed(1)}`, s.median.toFixed(1), (s.median / storedMedian).toFixed(2)]
    }), ['l', 'r', 'r', 'r', 'r', 'r', 'r'])}\n\n${stored.map(s => `- ${s.way.name}: ${s.way.storedPipe}.`).join('\n')}\n`
  // The machine's CPU per transfer, every process counted: with every core busy, the most this CPU lets a way move.
  const cores = availableParallelism()
  const cpuRows = stats.filter(s => s.pollenBusy.length > 0 && s.rawBusy.length > 0).map(s => {
    const pollenMs = median(s.pollenBusy)
    const rawMs = median(s.rawBusy)
    const cap = size / MiB / (pollenMs / cores / 1000)
    return [s.way.name, pollenMs.toFixed(0), rawMs.toFixed(0), (pollenMs / rawMs).toFixed(1), cap.toFixed(1), (cap / s.rawMedian).toFixed(2)]
  })
  const cpuText = cpuRows.length === 0
    ? ''
    : `**The machine's CPU per transfer** (every process: browser, infra node, Kubo, driver; from /proc/stat, median of the runs). A way that keeps all ${cores} cores busy for its whole CPU time can move ${size / MiB} MiB no faster than ${cores} × size / CPU: the last two columns.\n\n${table(['way', 'Pollen, ms', 'raw pipe, ms', 'Pollen / raw', `MiB/s with all ${cores} cores busy`, 'that / raw pipe MiB/s'], cpuRows, ['l', 'r', 'r', 'r', 'r', 'r'])}\n`
  const profileText = profiles.length === 0
    ? ''
    : `**Profiles** (\`--profile\`: one more run of each way after the measured ones, not counted, with V8's sampling profiler on; self time by the innermost JavaScript frame's module through the build's source maps, bench/lib/profile.js):\n\n${table(['way', 'profiled', 'where the time went (share of the transfer)', 'busiest modules'], profiles.map(p => [
      p.way.name,
      p.name,
      p.summary == null ? `FAILED: ${p.error}` : formatSlices(p.summary.categories, 0.02) + (p.error != null ? ` (the run FAILED: ${p.error})` : ''),
      p.summary == null ? '' : formatSlices(p.summary.modules.slice(0, 4), 0)
    ]), ['l', 'l', 'l', 'l'])}\n`

  const heading = `Transfer (${size / MiB} MiB, every way, against the raw pipe)`
  const body = `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, headless Chromium ${version}${ways.some(w => w.kubo === true) ? `, Kubo ${kuboVersion()} (scripts/ensure-kubo.js, settings of scripts/kubo.js)` : ''}, by \`${command}\` (bench/transfer.js). An infra node and the app as by \`npm start\` (scripts/local-network.js) on loopback, without automatic preload and with no gateway in the deployment (every block crosses the way's own connection); a plain WebSocket server (bench/raw-ws-server.js) under the same Node.js 22 as the infra node. ${runs} run${runs === 1 ? '' : 's'}; in each, every way in turn moves new content (a different ${size / MiB} MiB file of pseudo-random bytes, 1 MiB blocks) through Pollen and the same number of bytes through the raw pipe under it, the two in alternating order. Pollen is timed in the driver from the click on Fetch (the Open screen offers a share link before it fetches) or the refs call to the end (every block verified and stored by the receiver); the raw pipe where it runs. The raw WebSocket pipe runs in a SharedWorker of the page's origin, as the node does (bench/lib/raw-pipe-worker.js): in the page itself the driver's DevTools session watches the socket and receives every frame's payload, which made that pipe 4 to 5 times slower (before 2026-12-03 every raw WebSocket figure here was measured so, and every ratio to it was that much too kind).

${table(['way', 'MiB/s (median)', 'slowest', 'stalls', 'longest block wait, ms (median / max)', 'raw pipe MiB/s (median)', 'Pollen / raw', 'targets (issue 13)'], rows, ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'l'])}

${table(['way', `runs, MiB/s (* a stall)`, 'raw pipe runs, MiB/s'], runRows, ['l', 'r', 'r'])}
${extra.length > 0 ? `\n| figure | value |\n|---|---:|\n${extra.join('\n')}\n` : ''}${storedText ? `\n${storedText}` : ''}${cpuText ? `\n${cpuText}` : ''}
**How each way is measured**, and which measure says that a block waited:

${stats.map(s => `- ${s.way.name}: ${s.way.how}. Raw pipe: ${s.way.rawPipe}. A block waited: ${s.way.stall}.`).join('\n')}

**Stalls.** A run is a stall when its speed is below half its way's median, or when a block waited more than ${STALL_WAIT_MS / 1000} s. For a browser receiving, the wait is the fetch's longest single block, from the walk asking for it to having it verified (\`longestBlockWaitMs\` of the fetch summary, src/node/fetcher.ts). A block also waits for those wanted before it: with W bytes wanted at once (src/lib/want-window.ts), about W / speed with nothing lost, so the rule also flags a want window too large for the speed (more than 2 s of transfer). For the infra node or Kubo receiving, it is the longest gap between consecutive lines of the streamed \`refs\` answer (one line per block that arrived; the first gap from the call), read in the driver. A failed run (timeout, or bytes from another source than the way says) counts as a stall at 0 MiB/s; a run whose setup failed is left out.
${failures.length > 0 ? `\n**Failed runs** (${failures.length}):\n\n${failures.map(f => `- ${f}`).join('\n')}\n` : ''}${profileText ? `\n${profileText}` : ''}`
  const summary = stats.map(s => `${s.way.key} ${s.median.toFixed(1)} MiB/s, ${s.ratio.toFixed(2)} of raw, ${s.stalls} stalls`).join('; ')
  if (options.write !== false) {
    await writeSection(RESULTS, heading, reflow(body))
    console.log(`transfer: wrote "## ${heading}" in ${RESULTS}`)
  }
  console.log(`\n${table(['way', 'MiB/s (median)', 'slowest', 'stalls', 'longest block wait, ms (median / max)', 'raw MiB/s', 'Pollen / raw', 'targets'], rows.map(r => r.map(c => c.replaceAll('**', ''))), ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'l'])}`)
  if (extra.length > 0) console.log(`\n| figure | value |\n|---|---:|\n${extra.join('\n')}`)
  if (storedText) console.log(`\n${storedText}`)
  if (cpuText) console.log(`\n${cpuText}`)
  if (failures.length > 0) {
    console.error(`\ntransfer: *** ${failures.length} run(s) FAILED:\n${failures.map(f => `  ${f}`).join('\n')}`)
    process.exitCode = 1
  }
  return { heading, body, summary }
}

runWhenMain(import.meta.url, run, {
  options: { ways: { type: 'string' }, profile: { type: 'boolean' } },
  extra: values => ({ ways: values.ways?.split(',').map((/** @type {string} */ w) => w.trim()).filter(Boolean), profile: values.profile === true })
})
