#!/usr/bin/env node
// Makes sure the Debian packages the tests use are installed: `chromium` and `firefox-esr`, because
// Playwright's own browser download cannot reach its CDN from these machines (DESIGN.md §3),
// `webkit2gtk-driver` (WebKitWebDriver and WebKitGTK's MiniBrowser) with `xvfb` for its display, and
// `ffmpeg`, which makes the test video. Installs what is missing with apt-get (root only), then
// prints versions.
//
// Usage: node scripts/ensure-packages.js

import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'

/** Debian package → the program the tests run from it. */
const PACKAGES = {
  chromium: '/usr/bin/chromium',
  'firefox-esr': '/usr/bin/firefox-esr',
  'webkit2gtk-driver': '/usr/bin/WebKitWebDriver',
  xvfb: '/usr/bin/Xvfb',
  ffmpeg: '/usr/bin/ffmpeg'
}

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
    console.error(`ensure-packages: could not run ${command}: ${result.error.message}`)
    process.exit(1)
  }
  if (result.status !== 0) {
    const how = result.signal != null ? `was killed by ${result.signal}` : `exited with ${result.status}`
    console.error(`ensure-packages: \`${command} ${args.join(' ')}\` ${how}`)
    process.exit(result.status ?? 1)
  }
}

const VERSION_FROM_PACKAGE = new Set(['webkit2gtk-driver', 'xvfb'])

const missing = Object.entries(PACKAGES).filter(([, program]) => !existsSync(program)).map(([name]) => name)
if (missing.length > 0) {
  const uid = typeof process.getuid === 'function' ? process.getuid() : -1
  if (uid !== 0) {
    console.error(
      `ensure-packages: ${missing.join(' and ')} missing and this process is not root, so it cannot install them.\n` +
      'Install the Debian packages yourself, e.g.:\n' +
      `  sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}`
    )
    process.exit(1)
  }
  console.log(`ensure-packages: installing the Debian package${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`)
  run('apt-get', ['update'])
  run('apt-get', ['install', '-y', ...missing])
  for (const name of missing) {
    if (!existsSync(PACKAGES[/** @type {keyof typeof PACKAGES} */ (name)])) {
      console.error(`ensure-packages: apt-get finished but ${PACKAGES[/** @type {keyof typeof PACKAGES} */ (name)]} still does not exist`)
      process.exit(1)
    }
  }
}

for (const [name, program] of Object.entries(PACKAGES)) {
  try {
    // The Debian chromium launcher writes shell noise to stderr on some machines; keep only stdout.
    // WebKitWebDriver and Xvfb print no version: the package's says what runs.
    const [command, args] = VERSION_FROM_PACKAGE.has(name)
      ? ['dpkg-query', ['-W', '-f=${Package} ${Version}\n', name]]
      : [program, name === 'ffmpeg' ? ['-version'] : ['--version']]
    const version = execFileSync(command, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000
    }).split('\n')[0].trim()
    console.log(`ensure-packages: ${version} (${program})`)
  } catch (err) {
    console.error(`ensure-packages: ${program} failed to report its version: ${err instanceof Error ? err.message : String(err)}`)
    process.exit(1)
  }
}
