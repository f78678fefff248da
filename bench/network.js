#!/usr/bin/env node
// @ts-check
/**
 * Network benchmark (issue 3): 64 MiB between a browser node and the infra node over WebSocket,
 * both ways, each as a ratio to a plain WebSocket stream of the same size between the same page
 * and a Node.js 22 process on loopback, measured in the same run, RUNS times in alternating order.
 *
 *   up, pollen     the page added the file; the driver calls the infra node's preload endpoint
 *                  (POST /api/v0/refs?r=true) and times it to the end of the answer: the infra
 *                  node walks the DAG and pulls every block from the browser over bitswap
 *   up, raw        the same page sends as many bytes over a WebSocket to bench/raw-ws-server.js
 *   down, pollen   a fresh context opens a share link of that root (no sharer addresses): the node
 *                  fetches every block from the infra node, verifies and stores it (content.fetch)
 *   down, raw      the page receives as many bytes over a WebSocket from the raw server
 *
 * Run by `npm run bench`; alone, once the app is built into bench/out/dist/:
 *   node bench/network.js [--runs N] [--size MiB] [--no-write]
 * To look into a run: BENCH_DEBUG=1 prints each fetch's sources; BENCH_INFRA_LOG=file appends the
 * infra node's log (with DEBUG=helia:bitswap* it holds libp2p's too).
 */
import { appendFileSync } from 'node:fs'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { startNode22Process } from '../scripts/node22-process.js'
import { startLocalNetwork } from '../scripts/local-network.js'
import { contentFor, openApp, waitForFetch } from './lib/app.js'
import { runWhenMain } from './lib/cli.js'
import { launchChromium, withTimeout } from './lib/browser.js'
import { median, reflow, table, writeSection } from './lib/results.js'

const BENCH = dirname(fileURLToPath(import.meta.url))
const APP_ROOT = join(BENCH, 'out', 'dist')
const RESULTS = join(BENCH, 'RESULTS.md')
const MiB = 1024 * 1024
export const DEFAULT_SIZE_MIB = 64
export const DEFAULT_RUNS = 3
const STEP_TIMEOUT_MS = 180_000

async function startRawServer () {
  const child = await startNode22Process({ name: 'the raw WebSocket server', args: [join(BENCH, 'raw-ws-server.js')] })
  return { port: child.ready.port, stop: child.stop }
}

/**
 * In the page: sends `size` bytes to the raw server's sink, keeping at most 4 MiB buffered.
 * @param {import('@playwright/test').Page} page
 */
async function rawUp (page, port, size) {
  return await page.evaluate(async ({ port, size }) => {
    const chunk = crypto.getRandomValues(new Uint8Array(65536))
    const message = new Uint8Array(1024 * 1024)
    for (let i = 0; i < message.length; i += chunk.length) message.set(chunk, i)
    const socket = new WebSocket(`ws://127.0.0.1:${port}/sink?n=${size}`)
    await new Promise((resolve, reject) => { socket.onopen = resolve; socket.onerror = reject })
    const done = new Promise(resolve => { socket.onmessage = resolve })
    const started = performance.now()
    for (let sent = 0; sent < size; sent += message.length) {
      while (socket.bufferedAmount > 4 * message.length) await new Promise(resolve => setTimeout(resolve, 1))
      socket.send(message.subarray(0, Math.min(message.length, size - sent)))
    }
    await done
    const ms = performance.now() - started
    socket.close()
    return ms
  }, { port, size })
}

/** In the page: receives `size` bytes from the raw server's source. */
async function rawDown (page, port, size) {
  return await page.evaluate(async ({ port, size }) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/source?n=${size}`)
    socket.binaryType = 'arraybuffer'
    let received = 0
    const started = performance.now()
    await new Promise((resolve, reject) => {
      socket.onmessage = event => { received += event.data.byteLength }
      socket.onclose = resolve
      socket.onerror = reject
    })
    if (received !== size) throw new Error(`received ${received} of ${size} bytes`)
    return performance.now() - started
  }, { port, size })
}

/** Adds the file through the UI and returns its root CID. */
async function addFile (page, file) {
  await page.getByTestId('file-input').setInputFiles(file)
  const row = page.getByTestId('file-row').first()
  await row.waitFor({ timeout: STEP_TIMEOUT_MS })
  return /** @type {string} */ (await row.getAttribute('data-cid'))
}

/** The infra node pulls the DAG from the browser; resolves with the milliseconds the call took. */
async function preload (network, root) {
  const started = performance.now()
  const response = await fetch(`${network.infra.httpUrl}/api/v0/refs?r=true&arg=${root}`, { method: 'POST', headers: { Origin: network.appOrigin } })
  const text = await response.text()
  const ms = performance.now() - started
  if (!response.ok || !text.split('\n').filter(Boolean).every(line => JSON.parse(line).Err === '')) {
    throw new Error(`preload failed: ${response.status} ${text.slice(0, 300)}`)
  }
  return ms
}

/** A fresh browser node fetches the whole DAG from the infra node; milliseconds from the click on Fetch to "done". */
async function fetchShared (page, appUrl, root) {
  // A share link as src/lib/share-link.ts writes it, without sharer addresses.
  await page.getByTestId('open-input').fill(`${appUrl}#/open?cid=${root}&name=bench.bin`)
  // A share link is offered first (size, sharer); the fetch starts at the person's click on Fetch.
  await page.getByTestId('open-button').click()
  const started = performance.now()
  await page.getByTestId('fetch-confirm').click()
  await waitForFetch(page, STEP_TIMEOUT_MS)
  const ms = performance.now() - started
  if (process.env.BENCH_DEBUG) console.log(await page.getByTestId('fetch-job').innerText())
  return ms
}

export async function run (options = {}) {
  const size = (options.sizeMiB ?? DEFAULT_SIZE_MIB) * MiB
  const runs = options.runs ?? DEFAULT_RUNS
  const network = await startLocalNetwork({ root: options.appRoot ?? APP_ROOT, infraDataDir: await mkdtemp(join(tmpdir(), 'pollen-bench-infra-')), autoPreload: false, log: process.env.BENCH_INFRA_LOG ? line => { appendFileSync(process.env.BENCH_INFRA_LOG, line + '\n') } : undefined })
  const raw = await startRawServer()
  const browser = await launchChromium()
  /** @type {Record<string, number[]>} */
  const ms = { 'up-pollen': [], 'up-raw': [], 'down-pollen': [], 'down-raw': [] }
  try {
    for (let i = 0; i < runs; i++) {
      const file = join(await mkdtemp(join(tmpdir(), 'pollen-bench-net-')), `net-${i}.bin`)
      await writeFile(file, contentFor(size, 1000 + i))
      const sender = await browser.newContext()
      const page = await sender.newPage()
      await openApp(page, network.appUrl, 'files')
      const root = await addFile(page, file)
      // Alternate which way goes first, so neither always meets a warmer machine.
      const upSteps = [
        async () => { ms['up-pollen'].push(await withTimeout(preload(network, root), STEP_TIMEOUT_MS, 'preload')) },
        async () => { ms['up-raw'].push(await withTimeout(rawUp(page, raw.port, size), STEP_TIMEOUT_MS, 'raw up')) }
      ]
      for (const step of i % 2 === 0 ? upSteps : upSteps.reverse()) await step()
      await sender.close()

      const receiver = await browser.newContext()
      const pageB = await receiver.newPage()
      await openApp(pageB, network.appUrl, 'open')
      const downSteps = [
        async () => { ms['down-pollen'].push(await withTimeout(fetchShared(pageB, network.appUrl, root), STEP_TIMEOUT_MS, 'fetch')) },
        async () => { ms['down-raw'].push(await withTimeout(rawDown(pageB, raw.port, size), STEP_TIMEOUT_MS, 'raw down')) }
      ]
      for (const step of i % 2 === 0 ? downSteps : downSteps.reverse()) await step()
      await receiver.close()
      console.log(`network: run ${i + 1}/${runs}: ${Object.entries(ms).map(([k, v]) => `${k} ${(v.at(-1) ?? 0).toFixed(0)} ms`).join(', ')}`)
    }
  } finally {
    await browser.close()
    await raw.stop()
    await network.close()
  }

  const rate = (/** @type {number} */ t) => size / MiB / (t / 1000)
  const rates = Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, v.map(rate)]))
  const med = Object.fromEntries(Object.entries(rates).map(([k, v]) => [k, median(v)]))
  const upRatio = med['up-pollen'] / med['up-raw']
  const downRatio = med['down-pollen'] / med['down-raw']
  const version = browser.version()
  const rows = [
    ['up, pollen', 'preload pull: infra node walks the DAG, bitswap from the browser'],
    ['up, raw', 'page → raw WebSocket server, 1 MiB messages'],
    ['down, pollen', 'share link opened in a fresh context: fetch, verify, store in IndexedDB'],
    ['down, raw', 'raw WebSocket server → page, 1 MiB messages']
  ].map(([way, what]) => {
    const key = way.replace(', ', '-')
    return [way, med[key].toFixed(1), rates[key].map(r => r.toFixed(1)).join(', '), what]
  })
  const heading = `Network (${size / MiB} MiB over WebSocket, browser ⇄ infra node)`
  const body = `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, headless Chromium ${version}, by \`npm run bench\` (bench/network.js). An infra node and the app started as by \`npm start\` (scripts/local-network.js) on loopback, without automatic preload; a plain WebSocket server (bench/raw-ws-server.js) under the same Node.js 22 as the infra node. Each run moves new content (a different ${size / MiB} MiB file), ${runs} runs, the order of Pollen and raw alternating. Up: the page added the file, then the driver times the infra node's preload call to the end of its answer; raw: the same page sends as many bytes to the raw server. Down: a fresh context opens a share link of that root with no sharer address, timed in the driver from the click on Fetch (the Open screen offers a share link before it fetches) to the job's "done" (every block fetched from the infra node, verified and stored); raw: that page receives as many bytes.

${table(['way', 'MiB/s (median)', 'runs, MiB/s', 'what'], rows, ['l', 'r', 'r', 'l'])}

| ratio | value |
|---|---:|
| up: Pollen / raw WebSocket | ${upRatio.toFixed(2)} |
| down: Pollen / raw WebSocket | ${downRatio.toFixed(2)} |

**Reading the rows.** The raw stream is the ceiling of the pipe itself; Pollen adds noise encryption (in JavaScript in the browser), yamux, bitswap, SHA-256 verification of every block and IndexedDB or disk writes. A CPU profile of the browser node during the down transfer (DevTools protocol on the SharedWorker) shows where its time goes: idle 37 %, IndexedDB puts 10 %, noise (ChaCha20-Poly1305 in JavaScript) about 15 %, SHA-256 6 %, copying between byte lists about 7 %. During the up transfer both sides were mostly idle (the SharedWorker 64 %, the infra node 67 %): waiting on Helia's bitswap, which answers a peer's wants one message at a time and reads every wanted block before it sends any, and on libp2p's WebSocket connection, which once its send buffer is full waits for it to drain completely (src/node/create-node.ts raises that limit and polls faster). The up figure doubled when the preload walk really kept 16 blocks in flight (src/lib/parallel-walk.ts; the first version started its workers in rounds, so after the root one worker did everything); 8 or 32 in flight, or 4 concurrent bitswap sends per peer, made no measurable difference. With blocks in flight, Helia's bitswap now and then loses one: the browser counts it as sent, the infra node never gets it, and a second want is ignored while the first still counts as sent. Both walks therefore want a block again after 10 s without it (src/lib/retry-stalled.ts); a run where that happened shows as one slow "up" figure.
`
  const summary = `up ${upRatio.toFixed(2)} of raw WebSocket, down ${downRatio.toFixed(2)}`
  if (options.write !== false) {
    await writeSection(RESULTS, heading, reflow(body))
    console.log(`network: wrote "## ${heading}" in ${RESULTS}`)
  }
  console.log(`network: ${summary}`)
  return { heading, body, summary }
}

runWhenMain(import.meta.url, run)
