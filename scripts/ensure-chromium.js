#!/usr/bin/env node
// Makes sure the Debian `chromium` package is installed, because Playwright's own browser download
// cannot reach its CDN from these machines (DESIGN.md §3). Installs it with apt-get when it is
// missing (root only), then prints the Chromium version.
//
// Usage: node scripts/ensure-chromium.js

import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

const CHROMIUM = '/usr/bin/chromium'

/**
 * Runs a command with inherited stdio; exits with its status when it fails.
 * @param {string} command
 * @param {string[]} args
 */
function run (command, args) {
  console.log(`$ ${command} ${args.join(' ')}`)
  const result = spawnSync(command, args, {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  })
  if (result.error != null) {
    console.error(`ensure-chromium: could not run ${command}: ${result.error.message}`)
    process.exit(1)
  }
  if (result.status !== 0) {
    const how = result.signal != null ? `was killed by ${result.signal}` : `exited with ${result.status}`
    console.error(`ensure-chromium: \`${command} ${args.join(' ')}\` ${how}`)
    process.exit(result.status ?? 1)
  }
}

if (!existsSync(CHROMIUM)) {
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1
  if (uid !== 0) {
    console.error(
      `ensure-chromium: ${CHROMIUM} is missing and this process is not root, so it cannot install it.\n` +
      'Install the Debian package yourself, e.g.:\n' +
      '  sudo apt-get update && sudo apt-get install -y chromium'
    )
    process.exit(1)
  }
  console.log(`ensure-chromium: ${CHROMIUM} not found; installing the Debian package \`chromium\``)
  run('apt-get', ['update'])
  run('apt-get', ['install', '-y', 'chromium'])
  if (!existsSync(CHROMIUM)) {
    console.error(`ensure-chromium: apt-get finished but ${CHROMIUM} still does not exist`)
    process.exit(1)
  }
}

let version
try {
  // The Debian launcher script writes shell noise to stderr on some machines; keep only stdout.
  version = execFileSync(CHROMIUM, ['--version'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 60_000
  }).trim()
} catch (err) {
  const message = err instanceof Error ? err.message : String(err)
  console.error(`ensure-chromium: ${CHROMIUM} --version failed: ${message}`)
  process.exit(1)
}

console.log(`ensure-chromium: ${version} (${CHROMIUM})`)
