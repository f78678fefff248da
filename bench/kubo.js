#!/usr/bin/env node
// @ts-check
/**
 * Kubo benchmark (issue 6): SIZE MiB retrieved by a browser node from Kubo over WebTransport and
 * over WebSocket, each as a ratio to the same retrieval from the infra node (over WebSocket, as
 * deployments use it), in the same run, RUNS times in rotating order. Each retrieval is a fresh
 * browser context opening a share link whose only address is the server's (so the node dials it
 * first and fetches the whole DAG from it: bitswap, verify, store), timed in the driver from the
 * click on Fetch (the Open screen offers a share link before it fetches) to the job's "done".
 *
 * The same bytes are on both servers: Kubo added them (`ipfs add` with Pollen's profile), and the
 * infra node got them by preloading from a browser that added the same file (the CIDs are equal).
 *
 * Run by `npm run bench`; alone, once the app is built into bench/out/dist/:
 *   node bench/kubo.js [--runs N] [--size MiB] [--no-write]
 */
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { kuboVersion } from '../scripts/ensure-kubo.js'
import { startKubo } from '../scripts/kubo.js'
import { startLocalNetwork } from '../scripts/local-network.js'
import { contentFor, openApp, waitForFetch } from './lib/app.js'
import { runWhenMain } from './lib/cli.js'
import { launchChromium, withTimeout } from './lib/browser.js'
import { median, table, writeSection } from './lib/results.js'

const BENCH = dirname(fileURLToPath(import.meta.url))
const APP_ROOT = join(BENCH, 'out', 'dist')
const RESULTS = join(BENCH, 'RESULTS.md')
const MiB = 1024 * 1024
export const DEFAULT_SIZE_MIB = 64
export const DEFAULT_RUNS = 3
const STEP_TIMEOUT_MS = 240_000

/**
 * A fresh context opens a share link naming only `addr` as the sharer; milliseconds from the click on Fetch to "done".
 * @param {import('@playwright/test').Browser} browser
 */
async function retrieve (browser, appUrl, cid, addr) {
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await page.goto(`${appUrl}#/open`)
    await page.getByTestId('node-status').filter({ hasText: 'started' }).waitFor({ timeout: 30_000 })
    await page.getByTestId('open-input').fill(`${appUrl}#/open?cid=${cid}&name=bench.bin&addr=${encodeURIComponent(addr)}`)
    // A share link is offered first (size, sharer); the fetch starts at the click on Fetch.
    await page.getByTestId('open-button').click()
    const started = performance.now()
    await page.getByTestId('fetch-confirm').click()
    await waitForFetch(page, STEP_TIMEOUT_MS)
    return performance.now() - started
  } finally {
    await context.close()
  }
}

export async function run (options = {}) {
  const size = (options.sizeMiB ?? DEFAULT_SIZE_MIB) * MiB
  const runs = options.runs ?? DEFAULT_RUNS
  const network = await startLocalNetwork({ root: options.appRoot ?? APP_ROOT, infraDataDir: await mkdtemp(join(tmpdir(), 'pollen-bench-infra-')), autoPreload: false })
  const kubo = await startKubo(network.appOrigin)
  const browser = await launchChromium()
  /** @type {Record<'kuboWebTransport' | 'kuboWebSocket' | 'infraWebSocket', number[]>} */
  const ms = { kuboWebTransport: [], kuboWebSocket: [], infraWebSocket: [] }
  const infraWs = network.infra.multiaddrs.find(a => /\/ws\/p2p\//.test(a))
  if (infraWs == null) throw new Error(`the infra node has no WebSocket address: ${network.infra.multiaddrs.join(' ')}`)
  try {
    for (let i = 0; i < runs; i++) {
      const bytes = contentFor(size, 7000 + i)
      const cid = (await kubo.ipfs(['add', '-Q'], bytes)).toString().trim()
      // The infra node gets the same DAG from a browser that adds the same file.
      const adder = await browser.newContext()
      const page = await adder.newPage()
      await openApp(page, network.appUrl, 'files')
      const file = join(await mkdtemp(join(tmpdir(), 'pollen-bench-kubo-')), 'bench.bin')
      await writeFile(file, bytes)
      await page.getByTestId('file-input').setInputFiles(file)
      await page.waitForFunction(expected => document.querySelector('[data-testid="file-row"]')?.getAttribute('data-cid') === expected, cid, { timeout: STEP_TIMEOUT_MS })
      const preload = await fetch(`${network.infra.httpUrl}/api/v0/refs?r=true&arg=${cid}`, { method: 'POST', headers: { Origin: network.appOrigin } })
      await preload.text()
      if (!preload.ok) throw new Error(`preload to the infra node failed: ${preload.status}`)
      await adder.close()

      const steps = [
        async () => { ms.kuboWebTransport.push(await withTimeout(retrieve(browser, network.appUrl, cid, kubo.addrs.webtransport), STEP_TIMEOUT_MS, 'kubo webtransport')) },
        async () => { ms.kuboWebSocket.push(await withTimeout(retrieve(browser, network.appUrl, cid, kubo.addrs.ws), STEP_TIMEOUT_MS, 'kubo websocket')) },
        async () => { ms.infraWebSocket.push(await withTimeout(retrieve(browser, network.appUrl, cid, infraWs), STEP_TIMEOUT_MS, 'infra websocket')) }
      ]
      // Rotate the order, so no way always goes first (or last).
      for (let s = 0; s < steps.length; s++) await steps[(s + i) % steps.length]()
      console.log(`kubo: run ${i + 1}/${runs}: Kubo over WebTransport ${ms.kuboWebTransport.at(-1)?.toFixed(0)} ms, over WebSocket ${ms.kuboWebSocket.at(-1)?.toFixed(0)} ms; infra node over WebSocket ${ms.infraWebSocket.at(-1)?.toFixed(0)} ms`)
    }
  } finally {
    await browser.close()
    await kubo.stop()
    await network.close()
  }

  const rate = (/** @type {number} */ t) => size / MiB / (t / 1000)
  const infra = median(ms.infraWebSocket.map(rate))
  const rows = [
    ['Kubo, WebTransport', median(ms.kuboWebTransport.map(rate)).toFixed(1), ms.kuboWebTransport.map(t => rate(t).toFixed(1)).join(', '), (median(ms.kuboWebTransport.map(rate)) / infra).toFixed(2)],
    ['Kubo, WebSocket', median(ms.kuboWebSocket.map(rate)).toFixed(1), ms.kuboWebSocket.map(t => rate(t).toFixed(1)).join(', '), (median(ms.kuboWebSocket.map(rate)) / infra).toFixed(2)],
    ['infra node, WebSocket', infra.toFixed(1), ms.infraWebSocket.map(t => rate(t).toFixed(1)).join(', '), '1.00']
  ]
  const heading = `Kubo (${size / MiB} MiB retrieved from Kubo and from the infra node)`
  const body = `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, headless Chromium ${browser.version()}, Kubo ${kuboVersion()} (scripts/ensure-kubo.js), by \`npm run bench\` (bench/kubo.js). Kubo with the settings of scripts/kubo.js and an infra node as by \`npm start\`, on loopback. Per run a new ${size / MiB} MiB file is added to Kubo and, with the same CID, preloaded to the infra node; then three fresh browser contexts each open a share link whose only address is one server's and fetch the whole DAG from it (bitswap, verify, store in IndexedDB), timed from the click on Fetch (the Open screen offers a share link before it fetches) to "done", in rotating order. ${runs} runs.

${table(['from', 'MiB/s (median)', 'runs, MiB/s', '/ infra node'], rows, ['l', 'r', 'r', 'r'])}
`
  if (options.write !== false) await writeSection(RESULTS, heading, body)
  const summary = `Kubo over WebTransport ${rows[0][3]}, over WebSocket ${rows[1][3]} of the infra node`
  console.log(`kubo: ${summary}`)
  return { heading, summary }
}

runWhenMain(import.meta.url, run)
