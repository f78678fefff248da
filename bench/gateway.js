#!/usr/bin/env node
// @ts-check
/**
 * Gateway benchmark (issue 5): a 1 MiB file read by a page through Pollen's service-worker
 * gateway (warm service worker, blocks in this browser), as a ratio to the same file served by the
 * static server (scripts/serve.js, the one that serves the app), in the same run, in alternating
 * order; and the cold start: an /ipfs/ link opened with the node stopped, until its page shows.
 *
 *   gateway  a page of the content origin (<cid>.ipfs.app.localhost) fetches /file.bin: service
 *            worker → port → the node's verified-fetch → IndexedDB → stream back. Time to the
 *            response (first byte) and to the last byte, measured in the page.
 *   static   a page of a static server holding the same two files fetches /file.bin the same way
 *            (no-store: from the server each time, as the gateway is asked each time).
 *   cold     every page closed and the node's SharedWorker ended 3 s earlier; a new page opens
 *            http://app.localhost:PORT/ipfs/<cid>/: app worker's redirect, the content origin's boot
 *            document, the bridge, a new node, the reload, the page. Timed in the driver from goto
 *            to the page's text showing.
 *
 * Run by `npm run bench`; alone, once the app is built into bench/out/dist/:
 *   node bench/gateway.js [--runs N] [--no-write]
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { base32 } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import { startLocalNetwork } from '../scripts/local-network.js'
import { startServer } from '../scripts/serve.js'
import { runWhenMain } from './lib/cli.js'
import { launchChromium } from './lib/browser.js'
import { contentFor, openApp } from './lib/app.js'
import { median, table, writeSection } from './lib/results.js'

const BENCH = dirname(fileURLToPath(import.meta.url))
const APP_ROOT = join(BENCH, 'out', 'dist')
const RESULTS = join(BENCH, 'RESULTS.md')
const MiB = 1024 * 1024
export const DEFAULT_RUNS = 5
/** Fetches per way in one run; the run's figure is their median. */
const FETCHES = 20
/** How long the node has been gone when the cold-start link is opened. */
const COLD_PAUSE_MS = 3_000
const INDEX = '<!doctype html><title>bench</title><h1 id="ready">gateway bench</h1>'

/**
 * Fetches `path` `count` times from the page's origin; medians of the time to the response and to
 * the last byte, in ms, as the page's clock sees them.
 * @param {import('@playwright/test').Page} page
 */
async function timeFetches (page, path, count, size) {
  return await page.evaluate(async ({ path, count, size }) => {
    const ttfb = []
    const load = []
    for (let i = 0; i < count; i++) {
      const started = performance.now()
      const response = await fetch(`${path}?n=${i}`, { cache: 'no-store' })
      ttfb.push(performance.now() - started)
      const bytes = await response.arrayBuffer()
      load.push(performance.now() - started)
      if (bytes.byteLength !== size) throw new Error(`got ${bytes.byteLength} bytes of ${size}`)
    }
    const mid = (/** @type {number[]} */ xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
    return { ttfb: mid(ttfb), load: mid(load) }
  }, { path, count, size })
}

/** Ends the node's SharedWorker through the DevTools protocol, as the browser does once no page holds it. */
async function stopNode (browser) {
  const cdp = await browser.newBrowserCDPSession()
  const { targetInfos } = /** @type {{ targetInfos: Array<{ targetId: string, type: string }> }} */ (await cdp.send('Target.getTargets'))
  for (const target of targetInfos) if (target.type === 'shared_worker') await cdp.send('Target.closeTarget', { targetId: target.targetId })
  await cdp.detach()
}

export async function run (options = {}) {
  const runs = options.runs ?? DEFAULT_RUNS
  const size = MiB
  const siteDir = join(await mkdtemp(join(tmpdir(), 'pollen-bench-gateway-')), 'site')
  await mkdir(siteDir)
  await writeFile(join(siteDir, 'index.html'), INDEX)
  await writeFile(join(siteDir, 'file.bin'), contentFor(size, 5000))
  const network = await startLocalNetwork({ root: options.appRoot ?? APP_ROOT, infraDataDir: await mkdtemp(join(tmpdir(), 'pollen-bench-infra-')), autoPreload: false })
  const plain = await startServer({ root: siteDir, host: '127.0.0.1' })
  const browser = await launchChromium()
  /** @type {Record<'gatewayTtfb' | 'gatewayLoad' | 'staticTtfb' | 'staticLoad' | 'cold', number[]>} */
  const ms = { gatewayTtfb: [], gatewayLoad: [], staticTtfb: [], staticLoad: [], cold: [] }
  try {
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext()
      const app = await context.newPage()
      await openApp(app, network.appUrl, 'files')
      await app.getByTestId('folder-input').setInputFiles(siteDir)
      await app.waitForFunction(() => document.querySelector('[data-testid="file-row"]')?.getAttribute('data-cid') != null, undefined, { timeout: 60_000 })
      const cid = /** @type {string} */ (await app.getByTestId('file-row').first().getAttribute('data-cid'))
      const origin = `http://${CID.parse(cid).toV1().toString(base32)}.ipfs.${new URL(network.appUrl).host}`

      const gateway = await context.newPage()
      await gateway.goto(`${network.appUrl}ipfs/${cid}/`)
      await gateway.locator('#ready').waitFor({ timeout: 60_000 })
      const local = await context.newPage()
      await local.goto(`${plain.url}index.html`)
      await local.locator('#ready').waitFor()
      // Warm both: the worker and the node's verified-fetch session, the server's file cache.
      await timeFetches(gateway, '/file.bin', 3, size)
      await timeFetches(local, '/file.bin', 3, size)
      const steps = [
        async () => { const t = await timeFetches(gateway, '/file.bin', FETCHES, size); ms.gatewayTtfb.push(t.ttfb); ms.gatewayLoad.push(t.load) },
        async () => { const t = await timeFetches(local, '/file.bin', FETCHES, size); ms.staticTtfb.push(t.ttfb); ms.staticLoad.push(t.load) }
      ]
      for (const step of i % 2 === 0 ? steps : steps.reverse()) await step()

      // Cold start: no page, no node; the service workers stay installed.
      for (const page of context.pages()) await page.close()
      await stopNode(browser)
      // As when a link is opened a while after the last tab closed: the service worker's port to
      // the old node has gone quiet (a port that spoke within the last 1.5 s is waited out first).
      await new Promise(resolve => setTimeout(resolve, COLD_PAUSE_MS))
      const cold = await context.newPage()
      const started = performance.now()
      await cold.goto(`${network.appUrl}ipfs/${cid}/`)
      await cold.locator('#ready').waitFor({ timeout: 60_000 })
      ms.cold.push(performance.now() - started)
      if (new URL(cold.url()).origin !== origin) throw new Error(`cold start ended at ${cold.url()}, not ${origin}`)
      await context.close()
      console.log(`gateway: run ${i + 1}/${runs}: gateway ttfb ${ms.gatewayTtfb.at(-1)?.toFixed(1)} ms, load ${ms.gatewayLoad.at(-1)?.toFixed(1)} ms; static ttfb ${ms.staticTtfb.at(-1)?.toFixed(1)} ms, load ${ms.staticLoad.at(-1)?.toFixed(1)} ms; cold start ${ms.cold.at(-1)?.toFixed(0)} ms`)
    }
  } finally {
    await browser.close()
    await plain.close()
    await network.close()
  }

  const heading = 'Gateway (1 MiB file through the service worker; cold start)'
  const rows = [
    ['time to first byte', median(ms.gatewayTtfb).toFixed(1), median(ms.staticTtfb).toFixed(1), (median(ms.gatewayTtfb) / median(ms.staticTtfb)).toFixed(2)],
    ['time to last byte', median(ms.gatewayLoad).toFixed(1), median(ms.staticLoad).toFixed(1), (median(ms.gatewayLoad) / median(ms.staticLoad)).toFixed(2)]
  ]
  const body = `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, headless Chromium ${browser.version()}, by \`npm run bench\` (bench/gateway.js). Per run a new browser context adds a folder (index.html and a 1 MiB file) in the app and opens it at its content origin; a page there fetches /file.bin ${FETCHES} times (warm service worker, blocks in this browser), and a page of a second static server (scripts/serve.js) holding the same files does the same, in alternating order, \`cache: 'no-store'\`, timed in the page; a run's figure is the median of its fetches, the table the median of ${runs} runs. Then every page is closed, the node's SharedWorker ended (DevTools), and ${COLD_PAUSE_MS / 1000} s later the /ipfs/ link opened again (the service workers stay installed): timed from goto to the page's heading. Of a cold start, about 300 ms go to noticing that the old node is gone (its port stays silent), 30 ms to the boot document, 300 to 400 ms to a new node answering through the bridge, and the rest to the reload and the page.

${table(['figure', 'gateway (ms)', 'static server (ms)', 'gateway / static'], rows, ['l', 'r', 'r', 'r'])}

| cold start | value |
|---|---:|
| /ipfs/ link to content, node stopped (median, runs) | ${median(ms.cold).toFixed(0)} ms (${ms.cold.map(t => t.toFixed(0)).join(', ')}) |
`
  if (options.write !== false) await writeSection(RESULTS, heading, body)
  const summary = `ttfb ${rows[0][3]}× static, load ${rows[1][3]}× static, cold start ${median(ms.cold).toFixed(0)} ms`
  console.log(`gateway: ${summary}`)
  return { heading, summary }
}

runWhenMain(import.meta.url, run)
