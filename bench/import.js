#!/usr/bin/env node
// @ts-check
/**
 * Import benchmark (DESIGN.md §8): the same 256 MiB of pseudo-random bytes imported several ways in
 * one headless Chromium, each measurement in a fresh browser context (empty storage), each way
 * RUNS times in alternating order; reports the median MiB/s of each way and Pollen's ratios to the
 * baselines.
 *
 *   pollen          the app itself: setInputFiles on the Files screen's input, through the UI, the
 *                   RPC and the SharedWorker node (import with the profile, pin, list record)
 *   raw-best        raw IndexedDB, best pipeline: 1 MiB slices, SHA-256 by WebCrypto, 16 hashed in
 *                   parallel and put in one transaction (bench/pages/raw.js)
 *   raw-naive       raw IndexedDB, one block at a time, one transaction each
 *   helia-defaults  Helia in a page, createHelia + @helia/unixfs addByteStream with their defaults,
 *                   blockstore-idb and datastore-idb, offline (bench/pages/helia.js)
 *   helia-profile   the same with Pollen's import options, no pin        } to tell where Pollen's
 *   helia-pin       the same with Pollen's import options, then the pin  } time goes
 *
 * Every clock runs in the page: it starts in the file input's `change` event and stops when the
 * import is complete (for Pollen: when a MutationObserver sees the job's status turn to "Added",
 * i.e. after the import, the pin and the list record; the node does not expose its own duration).
 * The driver's wall clock from setInputFiles to the result is recorded beside it.
 *
 * Playwright's browser contexts are off the record: Chromium keeps their IndexedDB in memory. With
 * --persistent, each measurement gets its own Chromium (same binary and flags) with a new profile
 * directory on disk instead, so disk writes are measured too; such a run writes its own section.
 *
 * Run by `npm run bench` (bench/run.js builds the app into bench/out/dist/ and the pages into
 * bench/out/pages/ first); alone, once those exist:
 *   node bench/import.js [--runs N] [--size MiB] [--persistent] [--no-write] [--root dir]
 */
import { mkdtemp, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { startServer } from '../scripts/serve.js'
import { runWhenMain } from './lib/cli.js'
import { launchChromium, launchPersistent, withTimeout } from './lib/browser.js'
import { median, reflow, table, writeSection } from './lib/results.js'

const BENCH = dirname(fileURLToPath(import.meta.url))
const PAGES = join(BENCH, 'out', 'pages')
/** Where bench/run.js builds the app (`npm run build -- --outDir bench/out/dist`). */
const APP_ROOT = join(BENCH, 'out', 'dist')
const DEPLOYMENT = join(BENCH, 'deployment.json')
export const RESULTS = join(BENCH, 'RESULTS.md')
const MiB = 1024 * 1024

export const DEFAULT_SIZE_MIB = 256
export const DEFAULT_RUNS = 2
/** Longest a single import may take before the run is abandoned. */
const IMPORT_TIMEOUT_MS = 180_000
/** Quiet time after a page is ready and before the file is picked. */
const SETTLE_MS = 500

/**
 * @typedef {object} Measurement
 * @property {number} ms in-page time from the change event to the end of the import
 * @property {number} driverMs the driver's time from setInputFiles to the result
 * @property {string} [cid]
 * @property {number} [stored] blocks in the store afterwards (raw and Helia pages)
 * @property {{ hasMs: number, getMs: number }} [probe] blockstore-idb per-call costs (helia-profile)
 */

/**
 * @typedef {object} Way
 * @property {string} id
 * @property {string} what
 * @property {(ctx: RunContext) => Promise<Measurement>} measure
 */

/**
 * @typedef {object} RunContext
 * @property {() => Promise<import('@playwright/test').BrowserContext>} newContext an empty one
 * @property {string} appUrl
 * @property {string} file
 * @property {number} size
 */

/**
 * Deterministic pseudo-random bytes (xorshift32, as test/e2e/helpers/content.ts), written in 16 MiB pieces.
 * @param {string} path
 * @param {number} size
 */
async function writeRandomFile (path, size, seed = 256) {
  const handle = await open(path, 'w')
  try {
    const piece = new Uint32Array(16 * MiB / 4)
    let x = seed >>> 0 || 1
    for (let written = 0; written < size; written += piece.byteLength) {
      for (let i = 0; i < piece.length; i++) {
        x ^= x << 13; x >>>= 0
        x ^= x >>> 17
        x ^= x << 5; x >>>= 0
        piece[i] = x
      }
      const bytes = new Uint8Array(piece.buffer, 0, Math.min(piece.byteLength, size - written))
      await handle.write(bytes)
    }
  } finally {
    await handle.close()
  }
}

/**
 * A fresh context (so an empty origin: no IndexedDB, no service worker) and a page that logs its
 * errors.
 * @param {RunContext} ctx
 * @param {string} id
 */
async function freshPage (ctx, id) {
  const context = await ctx.newContext()
  const page = context.pages()[0] ?? await context.newPage()
  page.on('pageerror', err => { console.error(`  [${id}] page error: ${err.message}`) })
  page.on('console', msg => {
    if (msg.type() === 'error') console.error(`  [${id}] console: ${msg.text()}`)
  })
  return { context, page }
}

/** @param {import('@playwright/test').Page} page */
async function settle (page) {
  await page.waitForTimeout(SETTLE_MS)
}

/** @type {(ctx: RunContext) => Promise<Measurement>} */
async function measurePollen (ctx) {
  const { context, page } = await freshPage(ctx, 'pollen')
  try {
    await page.goto(`${ctx.appUrl}#/files`)
    await page.waitForFunction(
      () => document.querySelector('[data-testid=node-status]')?.textContent?.includes('started'),
      undefined, { timeout: 60_000 })
    // Let the service worker install (it precaches the app) before the clock starts.
    await page.evaluate(() => Promise.race([
      navigator.serviceWorker?.ready,
      new Promise(resolve => setTimeout(resolve, 10_000))
    ]).then(() => undefined))
    await settle(page)
    await page.evaluate(() => {
      // @ts-ignore -- read below
      window.benchResult = new Promise(resolve => {
        /** @type {number | undefined} */
        let start
        document.addEventListener('change', (event) => {
          const target = /** @type {Element} */ (event.target)
          if (target.matches('[data-testid=file-input]')) start ??= performance.now()
        }, true)
        const check = () => {
          if (start == null) return
          const status = document.querySelector('[data-testid=import-job] [data-testid=import-status]')
          const text = status?.textContent?.trim() ?? ''
          if (text.startsWith('Added')) {
            const ms = performance.now() - start
            observer.disconnect()
            resolve({ ok: true, ms, text, cid: status?.querySelector('code')?.textContent ?? undefined })
          } else if (status?.querySelector('[role=alert]') != null) {
            observer.disconnect()
            resolve({ ok: false, error: text })
          }
        }
        const observer = new MutationObserver(check)
        observer.observe(document.body, { subtree: true, childList: true, characterData: true })
      })
    })
    const t0 = performance.now()
    await page.getByTestId('file-input').setInputFiles(ctx.file)
    const result = await withTimeout(page.evaluate(() => /** @type {any} */ (window).benchResult), IMPORT_TIMEOUT_MS, 'pollen')
    const driverMs = performance.now() - t0
    if (!result.ok) throw new Error(`pollen: import failed: ${result.error}`)
    return { ms: result.ms, driverMs, cid: result.cid }
  } finally {
    await context.close()
  }
}

/**
 * A page of bench/pages served under /bench/ of the app's own origin (answered by the driver, so
 * the app's server stays as it is).
 * @param {string} pagePath e.g. 'raw.html?mode=best'
 * @param {string} id
 * @returns {(ctx: RunContext) => Promise<Measurement>}
 */
function measurePage (pagePath, id) {
  return async (ctx) => {
    const { context, page } = await freshPage(ctx, id)
    try {
      await context.route(`${ctx.appUrl}bench/**`, async (route) => {
        const { pathname } = new URL(route.request().url())
        const file = resolve(PAGES, `.${pathname.slice('/bench'.length)}`)
        if (!file.startsWith(PAGES + '/')) return await route.fulfill({ status: 404 })
        await route.fulfill({ path: file })
      })
      await page.goto(`${ctx.appUrl}bench/${pagePath}`)
      await withTimeout(page.evaluate(() => /** @type {any} */ (window).benchReady), 60_000, `${id}: page ready`)
      await settle(page)
      const t0 = performance.now()
      await page.getByTestId('file-input').setInputFiles(ctx.file)
      const result = await withTimeout(page.evaluate(() => /** @type {any} */ (window).benchResult), IMPORT_TIMEOUT_MS, id)
      const driverMs = performance.now() - t0 - (result.verifyMs ?? 0)
      if (!result.ok) throw new Error(`${id}: import failed: ${result.error}`)
      return { ms: result.ms, driverMs, cid: result.cid, stored: result.stored, probe: result.probe }
    } finally {
      await context.close()
    }
  }
}

/** @type {Way[]} */
export const WAYS = [
  {
    id: 'pollen',
    what: 'the app: file input → UI → RPC → SharedWorker node (profile import, pin, list record)',
    measure: measurePollen
  },
  {
    id: 'raw-best',
    what: '1 MiB slices, WebCrypto SHA-256, 16 hashed in parallel, one transaction per 16 blocks',
    measure: measurePage('raw.html?mode=best', 'raw-best')
  },
  {
    id: 'raw-naive',
    what: 'the same one block at a time, one transaction per block',
    measure: measurePage('raw.html?mode=naive', 'raw-naive')
  },
  {
    id: 'helia-defaults',
    what: 'createHelia (offline) + blockstore-idb, unixfs addByteStream with its defaults, no pin',
    measure: measurePage('helia.html?variant=defaults', 'helia-defaults')
  },
  {
    id: 'helia-profile',
    what: 'the same with Pollen\'s import options, no pin',
    measure: measurePage('helia.html?variant=profile', 'helia-profile')
  },
  {
    id: 'helia-pin',
    what: 'the same, then helia.pins.add(root) as Pollen does',
    measure: measurePage('helia.html?variant=profile-pin', 'helia-pin')
  }
]

/** Ratios reported for Pollen: [label, denominator way]. */
const RATIOS = [
  ['Pollen / raw-best', 'raw-best'],
  ['Pollen / raw-naive', 'raw-naive'],
  ['Pollen / Helia-defaults', 'helia-defaults']
]

/** @param {number} bytes @param {number} ms */
const mibps = (bytes, ms) => bytes / MiB / (ms / 1000)
/** @param {number} n */
const f1 = n => n.toFixed(1)
/** @param {number} n */
const f2 = n => n.toFixed(2)

/**
 * Runs the benchmark and returns the Markdown section (without heading) and a plain summary.
 * @param {{ runs?: number, sizeMiB?: number, persistent?: boolean, write?: boolean, appRoot?: string }} [options]
 */
export async function run ({ runs = DEFAULT_RUNS, sizeMiB = DEFAULT_SIZE_MIB, persistent = false, write = true, appRoot = APP_ROOT } = {}) {
  const size = sizeMiB * MiB
  const heading = `Import (${sizeMiB} MiB${persistent ? ', profiles on disk' : ''})`
  const dir = await mkdtemp(join(tmpdir(), 'pollen-bench-'))
  const file = join(dir, `random-${sizeMiB}MiB.bin`)
  const server = await startServer({ port: 0, root: appRoot, deploymentFile: DEPLOYMENT, host: 'app.localhost' })
  const browser = await launchChromium()
  const startedAt = new Date()
  try {
    await writeRandomFile(file, size)
    const version = browser.version()
    console.log(`import: ${sizeMiB} MiB, ${runs} runs of ${WAYS.length} ways, Chromium ${version}${persistent ? ', a profile on disk each' : ''}, app at ${server.url}`)
    /** @type {string[]} profile directories of persistent contexts, removed after each measurement */
    const profiles = []
    const newContext = persistent
      ? async () => {
        const profile = await mkdtemp(join(dir, 'profile-'))
        profiles.push(profile)
        return await launchPersistent(profile)
      }
      : async () => await browser.newContext()

    /** @type {Map<string, Measurement[]>} */
    const samples = new Map(WAYS.map(w => [w.id, []]))
    for (let r = 0; r < runs; r++) {
      const order = r % 2 === 0 ? WAYS : [...WAYS].reverse()
      for (const way of order) {
        const m = await way.measure({ newContext, appUrl: server.url, file, size })
        samples.get(way.id)?.push(m)
        for (const profile of profiles.splice(0)) await rm(profile, { recursive: true, force: true })
        const extra = [m.cid != null ? `cid ${m.cid}` : '', m.stored != null ? `${m.stored} blocks stored` : ''].filter(Boolean).join(', ')
        console.log(`  run ${r + 1} ${way.id.padEnd(15)} ${f1(mibps(size, m.ms)).padStart(6)} MiB/s  (${(m.ms / 1000).toFixed(2)} s in page, ${(m.driverMs / 1000).toFixed(2)} s from the driver${extra ? `; ${extra}` : ''})`)
      }
    }

    /** @type {Map<string, number>} */
    const rate = new Map()
    for (const way of WAYS) rate.set(way.id, median(/** @type {Measurement[]} */ (samples.get(way.id)).map(m => mibps(size, m.ms))))
    const pollen = /** @type {number} */ (rate.get('pollen'))

    const waysTable = table(
      ['way', `MiB/s (median of ${runs})`, 'runs, MiB/s', 'Pollen / this', 'what'],
      WAYS.map(w => [
        w.id,
        f1(/** @type {number} */ (rate.get(w.id))),
        /** @type {Measurement[]} */ (samples.get(w.id)).map(m => f1(mibps(size, m.ms))).join(', '),
        w.id === 'pollen' ? '' : f2(pollen / /** @type {number} */ (rate.get(w.id))),
        w.what
      ]),
      ['l', 'r', 'r', 'r', 'l'])
    const ratioTable = table(
      ['ratio', 'value'],
      RATIOS.map(([label, id]) => [label, f2(pollen / /** @type {number} */ (rate.get(id)))]),
      ['l', 'r'])

    const cids = new Map(WAYS.map(w => [w.id, new Set(/** @type {Measurement[]} */ (samples.get(w.id)).map(m => m.cid).filter(Boolean))]))
    const pollenCids = [...(cids.get('pollen') ?? [])]
    const profileCids = [...(cids.get('helia-profile') ?? [])]
    const sameCid = pollenCids.length === 1 && profileCids.length === 1 && pollenCids[0] === profileCids[0]

    const probes = /** @type {Measurement[]} */ (samples.get('helia-profile')).map(m => m.probe).filter(p => p != null)
    const probe = probes.length === 0
      ? undefined
      : { hasMs: median(probes.map(p => p.hasMs)), getMs: median(probes.map(p => p.getMs)) }
    const defaultsCids = [...(cids.get('helia-defaults') ?? [])]
    const defaultsAsProfile = defaultsCids.length === 1 && profileCids.length === 1 && defaultsCids[0] === profileCids[0]
    const notes = analysis(rate, { runs, sizeMiB, probe, defaultsAsProfile })
    const command = 'npm run bench'
    const where = persistent
      ? `each time in its own Chromium (same binary and flags) with a new profile directory, so
IndexedDB writes go to files (on this machine, with RAM to spare, mostly to the OS page cache)`
      : `each time in a fresh browser context (empty storage), all in the same browser. Playwright's
contexts are off the record, so IndexedDB lives in memory: disk writes are in no figure`
    const body = `Measured ${startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC, headless Chromium ${version}
(Debian, flags of playwright.config.ts), by \`${command}\`. The same ${sizeMiB} MiB file of
pseudo-random bytes imported each way ${runs === 1 ? 'once' : `${runs} times in alternating order`}, ${where}. Clocks run in
the page, from the file input's \`change\` event to the end of the import; Pollen's stops when a
MutationObserver sees the job's status turn to "Added" (after the import, the pin and the list
record; the node does not expose its own duration). The baseline pages are served under
\`/bench/\` of the app's origin.

${waysTable}

${ratioTable}

Pollen's root CID ${pollenCids.length === 1 ? `\`${pollenCids[0]}\`` : `varied: ${pollenCids.join(', ')}`}${sameCid ? ', the same as Helia with the profile in a page' : profileCids.length > 0 ? `; Helia with the profile in a page gave ${profileCids.join(', ')}` : ''}.

${notes}
`
    const ratioLine = RATIOS.map(([label, id]) => `${label} ${f2(pollen / /** @type {number} */ (rate.get(id)))}`).join(', ')
    console.log(`\n${waysTable}\n\n${ratioTable}\n\n${reflow(notes)}\n`)
    if (write) {
      await writeSection(RESULTS, heading, reflow(body))
      console.log(`import: wrote "## ${heading}" in ${RESULTS}`)
    }
    return { heading, body, summary: ratioLine }
  } finally {
    await browser.close()
    await server.close()
    await rm(dir, { recursive: true, force: true })
  }
}

/**
 * What the rows say about Pollen's import, against Helia doing the same work.
 * @param {Map<string, number>} rate MiB/s per way
 * @param {{ runs: number, sizeMiB: number, probe?: { hasMs: number, getMs: number }, defaultsAsProfile: boolean }} facts
 */
function analysis (rate, { runs, sizeMiB, probe, defaultsAsProfile }) {
  const sec = (/** @type {string} */ id) => sizeMiB / /** @type {number} */ (rate.get(id))
  const blocks = Math.ceil(sizeMiB) + 1
  const perCall = probe == null
    ? ''
    : ` Timed one call at a time afterwards, blockstore-idb's \`has\` costs ${probe.hasMs.toFixed(1)} ms and \`get\`
of a 1 MiB block ${probe.getMs.toFixed(1)} ms, so that walk alone reads for about
${(blocks * (probe.hasMs + probe.getMs) / 1000).toFixed(1)} s.`
  return `**Reading the rows** (medians of ${runs}): Pollen took ${sec('pollen').toFixed(1)} s, the raw best
pipeline ${sec('raw-best').toFixed(1)} s. Helia in a page with blockstore-idb stores each block on its own
(\`has\`, then \`put\`, an IndexedDB transaction each) and its \`pins.add\` walks the DAG again reading
every 1 MiB leaf back; import and pin that way took ${sec('helia-pin').toFixed(1)} s.${perCall} Pollen commits the
importer's parallel puts together (src/node/idb-blockstore.ts) and pins a fresh import with a walk
that never reads raw leaves (src/node/fresh-dag-walker.ts). What still separates it from the raw
pipeline: a \`has\` per block before each put, a datastore get and put per block for the pin
records, bitswap's announce per block, and the app around it (UI, RPC, SharedWorker).${defaultsAsProfile ? ` @helia/unixfs's defaults give the same root CID as Pollen's profile, so the two Helia import rows do the same work and their gap is noise.` : ''}`
}


runWhenMain(import.meta.url, run, {
  options: { persistent: { type: 'boolean' }, root: { type: 'string' } },
  extra: values => ({ persistent: values.persistent === true, appRoot: values.root != null ? resolve(values.root) : undefined })
})
