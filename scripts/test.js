#!/usr/bin/env node
// The one command that runs every test (`npm test`): make sure Chromium is there, build the app,
// run the unit tests, then the browser tests. Stops at the first failing step with its exit code.
// Every step runs with TMPDIR in a directory of this run's own, removed when the run ends however
// it ends: test peers, Kubo repos and test files (a GiB or more per run) never pile up on the disk.
//
// Usage: node scripts/test.js

import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { constants, tmpdir } from 'node:os'

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** @typedef {{ title: string, command: string, args: string[] }} Step */

/** @type {Step[]} */
const STEPS = [
  { title: 'Debian packages (chromium, ffmpeg)', command: process.execPath, args: ['scripts/ensure-packages.js'] },
  { title: 'Type check', command: 'npm', args: ['run', 'check'] },
  { title: 'Build', command: 'npm', args: ['run', 'build'] },
  { title: 'Unit tests (Vitest)', command: 'npx', args: ['vitest', 'run'] },
  { title: 'Kubo for the interop tests (built once)', command: process.execPath, args: ['scripts/ensure-kubo.js'] },
  { title: 'The gateway-conformance suite (built once)', command: process.execPath, args: ['scripts/ensure-conformance.js'] },
  { title: 'Browser tests (Playwright)', command: 'npx', args: ['playwright', 'test'] }
]

/** @type {import('node:child_process').ChildProcess | undefined} */
let current

const RUN_TMPDIR = mkdtempSync(join(tmpdir(), 'pollen-run-'))
const STEP_ENV = { ...process.env, TMPDIR: RUN_TMPDIR }

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
  if (code !== 0) {
    console.error(`\n=== FAILED: ${step.title} (exit code ${code}, ${seconds} s) ===`)
    exit(code)
  }
  console.log(`\n=== ok: ${step.title} (${seconds} s) ===`)
}
console.log(`\n=== all ${STEPS.length} steps passed in ${((Date.now() - started) / 1000).toFixed(1)} s ===`)
exit(0)
