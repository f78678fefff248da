#!/usr/bin/env node
// The one command that runs every test (`npm test`): make sure Chromium is there, build the app,
// run the unit tests, then the browser tests. Stops at the first failing step with its exit code.
// Every step runs with TMPDIR in a directory of this run's own, removed when the run ends however
// it ends: test peers, Kubo repos and test files (a GiB or more per run) never pile up on the disk.
// The test runners also write JSON reports there, and the run closes with one line counting every
// test of both runners, `tests: N passed, N failed` (CI reads that line).
//
// Usage: node scripts/test.js

import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { constants, tmpdir } from 'node:os'

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * @typedef {{ passed: number, failed: number, skipped: number }} Counts
 * @typedef {{ title: string, command: string, args: string[], counts?: () => Counts }} Step
 */

const RUN_TMPDIR = mkdtempSync(join(tmpdir(), 'pollen-run-'))
const VITEST_REPORT = join(RUN_TMPDIR, 'vitest-report.json')
const PLAYWRIGHT_REPORT = join(RUN_TMPDIR, 'playwright-report.json')
const STEP_ENV = { ...process.env, TMPDIR: RUN_TMPDIR, PLAYWRIGHT_JSON_OUTPUT_NAME: PLAYWRIGHT_REPORT }

/** @type {Step[]} */
const STEPS = [
  { title: 'Debian packages (chromium, firefox-esr, webkit2gtk-driver, xvfb, ffmpeg)', command: process.execPath, args: ['scripts/ensure-packages.js'] },
  { title: 'Type check', command: 'npm', args: ['run', 'check'] },
  { title: 'Build', command: 'npm', args: ['run', 'build'] },
  {
    title: 'Unit tests (Vitest)',
    command: 'npx',
    args: ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${VITEST_REPORT}`],
    counts: () => vitestCounts(JSON.parse(readFileSync(VITEST_REPORT, 'utf8')))
  },
  { title: 'Kubo for the interop tests (built once)', command: process.execPath, args: ['scripts/ensure-kubo.js'] },
  { title: 'The gateway-conformance suite (built once)', command: process.execPath, args: ['scripts/ensure-conformance.js'] },
  {
    title: 'Browser tests (Playwright)',
    command: 'npx',
    args: ['playwright', 'test', '--reporter=list,json'],
    counts: () => playwrightCounts(JSON.parse(readFileSync(PLAYWRIGHT_REPORT, 'utf8')))
  }
]

/** @param {{ numPassedTests: number, numFailedTests: number, numPendingTests: number, numTodoTests: number }} report */
function vitestCounts (report) {
  return { passed: report.numPassedTests, failed: report.numFailedTests, skipped: report.numPendingTests + report.numTodoTests }
}

/** @param {{ stats: { expected: number, unexpected: number, flaky: number, skipped: number } }} report */
function playwrightCounts ({ stats }) {
  // a flaky test failed once and passed on a retry; it counts as failed here, as it does for us
  return { passed: stats.expected, failed: stats.unexpected + stats.flaky, skipped: stats.skipped }
}

/** @type {Counts} */
const total = { passed: 0, failed: 0, skipped: 0 }

/** @param {Step} step */
function addCounts (step) {
  if (step.counts == null) return
  try {
    const counts = step.counts()
    total.passed += counts.passed
    total.failed += counts.failed
    total.skipped += counts.skipped
  } catch (err) {
    // a runner that died before writing its report; its exit code already says it failed
    console.error(`test: no report from ${step.title}: ${/** @type {Error} */ (err).message}`)
  }
}

function printTotal () {
  const skipped = total.skipped > 0 ? `, ${total.skipped} skipped` : ''
  console.log(`\ntests: ${total.passed} passed, ${total.failed} failed${skipped}`)
}

/** @type {import('node:child_process').ChildProcess | undefined} */
let current

/** @param {number} code */
function exit (code) {
  try {
    rmSync(RUN_TMPDIR, { recursive: true, force: true })
  } catch (err) {
    console.error(`test: could not remove ${RUN_TMPDIR}: ${/** @type {Error} */ (err).message}`)
  }
  process.exit(code)
}

// Each step runs in its own process group, so a signal reaches all of it (npm, the shell npm starts,
// the browser Playwright starts) exactly once: SIGINT (Ctrl-C) and SIGTERM (a CI timeout) received
// here are forwarded to the step's group, and the step's exit code is then ours.
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.on(signal, () => {
    if (current?.pid == null) exit(128 + constants.signals[signal])
    try {
      process.kill(-current.pid, signal)
    } catch {
      // the group is already gone
    }
  })
}

/**
 * @param {Step} step
 * @returns {Promise<number>} the step's exit code (128 + signal number when it was killed)
 */
function runStep (step) {
  return new Promise((resolveStep) => {
    const child = spawn(step.command, step.args, { cwd: REPO_ROOT, env: STEP_ENV, stdio: 'inherit', detached: true })
    current = child
    child.once('error', (err) => {
      console.error(`test: could not start ${step.command}: ${err.message}`)
      resolveStep(127)
    })
    child.once('exit', (code, signal) => {
      current = undefined
      if (signal != null) {
        console.error(`test: ${step.title} was killed by ${signal}`)
        resolveStep(128 + (constants.signals[signal] ?? 0))
      } else {
        resolveStep(code ?? 1)
      }
    })
  })
}

/** @param {Step} step */
function display (step) {
  const name = step.command === process.execPath ? 'node' : step.command
  return [name, ...step.args].join(' ')
}

const started = Date.now()
for (const [index, step] of STEPS.entries()) {
  console.log(`\n=== [${index + 1}/${STEPS.length}] ${step.title}: ${display(step)} ===\n`)
  const stepStarted = Date.now()
  const code = await runStep(step)
  const seconds = ((Date.now() - stepStarted) / 1000).toFixed(1)
  addCounts(step)
  if (code !== 0) {
    console.error(`\n=== FAILED: ${step.title} (exit code ${code}, ${seconds} s) ===`)
    printTotal()
    exit(code)
  }
  console.log(`\n=== ok: ${step.title} (${seconds} s) ===`)
}
console.log(`\n=== all ${STEPS.length} steps passed in ${((Date.now() - started) / 1000).toFixed(1)} s ===`)
printTotal()
exit(0)
