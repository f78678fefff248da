#!/usr/bin/env node
// @ts-check
/**
 * `npm run bench`: builds the app and the benchmark pages, then runs every benchmark and records
 * each one's section in bench/RESULTS.md.
 *
 * The app is built by `npm run build` with its output sent to bench/out/dist/ (`-- --outDir`), not
 * dist/: the same build, but a run neither races with nor disturbs a `dist/` that tests may be
 * serving at the same moment. The pages of bench/pages/ are built by Vite with
 * bench/vite.config.js into bench/out/pages/. bench/out/ is git-ignored.
 *
 * Usage: npm run bench [-- --runs N] [--no-disk] [--profile]   (every benchmark: import, import on disk, transfer, gateway, soak)
 *   --runs N     runs of each way (default: each benchmark's own, 20 for transfer), in alternating order
 *   --no-disk    skip the runs with IndexedDB on disk (their section stays as it was)
 *   --profile    transfer: one more run of each way with a CPU profile of the browser node (bench/transfer.js)
 */
import { spawnSync } from 'node:child_process'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { build } from 'vite'
import * as gatewayBench from './gateway.js'
import * as importBench from './import.js'
import * as soakBench from './soak.js'
import * as transferBench from './transfer.js'

const BENCH = dirname(fileURLToPath(import.meta.url))
const REPO = resolve(BENCH, '..')
export const APP_OUT = join(BENCH, 'out', 'dist')

/**
 * Every benchmark, in the order they run. `disk` ones are skipped with --no-disk.
 * @type {Array<{ name: string, disk?: boolean, run: (options: { runs?: number, profile?: boolean, command: string }) => Promise<{ heading: string, summary: string }> }>}
 */
const BENCHMARKS = [
  // As DESIGN.md §8 asks: one browser, a fresh (off-the-record, so in-memory storage) context each.
  { name: 'import', run: options => importBench.run({ ...options, appRoot: APP_OUT }) },
  // The same with IndexedDB on disk: a Chromium with a new profile directory per measurement.
  { name: 'import, profiles on disk', disk: true, run: options => importBench.run({ ...options, appRoot: APP_OUT, persistent: true }) },
  // 64 MiB, 20 times, in six ways (browser ⇄ infra node, browser → browser over WebRTC, Kubo ⇄ browser), each against its raw pipe.
  { name: 'transfer', run: options => transferBench.run({ ...options, appRoot: APP_OUT }) },
  // A 1 MiB file through the service-worker gateway against the static server; the cold start.
  { name: 'gateway', run: options => gatewayBench.run({ ...options, appRoot: APP_OUT }) },
  // The infra node's HTTP API under 60 s of abuse from 50 clients: a legitimate client's latency, the node's memory.
  { name: 'soak', run: async () => await soakBench.run() }
]

function buildApp () {
  const outDir = relative(REPO, APP_OUT)
  console.log(`bench: npm run build -- --outDir ${outDir} --emptyOutDir`)
  const result = spawnSync('npm', ['run', 'build', '--', '--outDir', outDir, '--emptyOutDir'], { cwd: REPO, stdio: 'inherit' })
  if (result.status !== 0) throw new Error(`npm run build failed (${result.error?.message ?? `exit ${result.status}`})`)
}

async function buildPages () {
  console.log('bench: vite build --config bench/vite.config.js')
  await build({ configFile: join(BENCH, 'vite.config.js') })
}

async function main () {
  const { values } = parseArgs({ options: { runs: { type: 'string' }, 'no-disk': { type: 'boolean' }, profile: { type: 'boolean' } } })
  const runs = values.runs != null ? Number(values.runs) : undefined
  if (runs != null && !(Number.isInteger(runs) && runs > 0)) throw new Error(`invalid --runs ${values.runs}`)
  const started = Date.now()
  buildApp()
  await buildPages()
  const summaries = []
  for (const bench of BENCHMARKS) {
    if (bench.disk === true && values['no-disk'] === true) continue
    console.log(`\nbench: ${bench.name}`)
    const { heading, summary } = await bench.run({ runs, profile: values.profile === true, command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}` })
    summaries.push(`${heading}: ${summary}`)
  }
  console.log(`\nbench: done in ${((Date.now() - started) / 1000).toFixed(0)} s; results in ${relative(REPO, join(BENCH, 'RESULTS.md'))}`)
  for (const line of summaries) console.log(`  ${line}`)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
