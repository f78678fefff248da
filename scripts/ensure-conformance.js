#!/usr/bin/env node
// @ts-check
// Builds the IPFS gateway-conformance suite (github.com/ipfs/gateway-conformance) at the pinned
// version, once, and writes out its fixtures: everything is kept under node_modules/.cache/ keyed by
// the suite's source, so later runs reuse it. The source is ../shared/gateway-conformance when that
// folder holds the module (this project's machines: the Go module proxy withholds the module itself
// but serves its dependencies), else the Go module proxy's copy of the pinned version.
// The suite's `test` command runs `go test` in its source tree, so the tree is kept beside the binary.
//
// Usage: node scripts/ensure-conformance.js      (also imported by the conformance run: conformanceSuite())

import { createHash } from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { cpSync, writeFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, chmodSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isMainModule } from './is-main-module.js'

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const CACHE = join(REPO_ROOT, 'node_modules', '.cache', 'pollen-conformance')
export const CONFORMANCE_MODULE = 'github.com/ipfs/gateway-conformance'
/** The suite's release the results are measured against (test/conformance/RESULTS.md). */
export const CONFORMANCE_VERSION = 'v0.13.1'
const SHARED_SOURCE = resolve(REPO_ROOT, '..', 'shared', 'gateway-conformance')

/**
 * @typedef {object} ConformanceSuite
 * @property {string} binary the gateway-conformance command
 * @property {string} home its source tree (GATEWAY_CONFORMANCE_HOME), where `test` runs `go test`
 * @property {string} fixtures the fixtures, written out one file each (CARs, IPNS records, dnslinks.json)
 * @property {string} source where the source came from, for the results
 */

/** @param {string[]} args @param {string} cwd @param {Record<string, string>} [env] */
function run (args, cwd, env = {}) {
  const result = spawnSync(args[0], args.slice(1), { cwd, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ...env } })
  if (result.error != null) throw new Error(`could not run ${args[0]}: ${result.error.message} (install Go: it builds the gateway-conformance suite)`)
  if (result.status !== 0) throw new Error(`${args.join(' ')} exited with ${result.status}`)
}

/** @returns {{ dir: string, description: string }} the suite's source tree at the pinned version */
function locateSource () {
  if (existsSync(join(SHARED_SOURCE, 'go.mod')) && readFileSync(join(SHARED_SOURCE, 'go.mod'), 'utf8').startsWith(`module ${CONFORMANCE_MODULE}\n`)) {
    return { dir: SHARED_SOURCE, description: `${relative(REPO_ROOT, SHARED_SOURCE)} (${CONFORMANCE_VERSION} as shipped there)` }
  }
  const download = spawnSync('go', ['mod', 'download', '-json', `${CONFORMANCE_MODULE}@${CONFORMANCE_VERSION}`], { encoding: 'utf8' })
  if (download.error != null) throw new Error(`could not run go: ${download.error.message}`)
  /** @type {{ Dir?: string, Error?: string }} */
  const info = JSON.parse(download.stdout || '{}')
  if (download.status !== 0 || info.Dir == null) throw new Error(`go mod download ${CONFORMANCE_MODULE}@${CONFORMANCE_VERSION} failed: ${info.Error ?? download.stderr}`)
  return { dir: info.Dir, description: `${CONFORMANCE_MODULE}@${CONFORMANCE_VERSION} from the Go module proxy` }
}

/** A digest of the source's Go files, go.mod, go.sum and fixtures: a changed source builds anew. */
function sourceDigest (/** @type {string} */ dir) {
  const hash = createHash('sha256')
  const walk = (/** @type {string} */ folder) => {
    for (const name of readdirSync(folder).sort()) {
      if (name.startsWith('.') || name === 'node_modules' || name === 'www') continue
      const path = join(folder, name)
      if (statSync(path).isDirectory()) walk(path)
      else if (/\.(go|car|ipns-record|yml|mod|sum)$/.test(name)) hash.update(relative(dir, path)).update(readFileSync(path))
    }
  }
  walk(dir)
  return hash.digest('hex').slice(0, 12)
}

/** Builds the suite unless this source's build is there; returns where it is. @returns {ConformanceSuite} */
export function conformanceSuite () {
  const source = locateSource()
  const target = join(CACHE, `${CONFORMANCE_VERSION}-${sourceDigest(source.dir)}`)
  const suite = { binary: join(target, 'gateway-conformance'), home: join(target, 'home'), fixtures: join(target, 'fixtures'), source: source.description }
  if (existsSync(join(target, 'ready'))) return suite

  console.log(`ensure-conformance: building the gateway-conformance suite from ${source.description} (go build, a few minutes, once)`)
  const partial = `${target}.partial`
  rmSync(partial, { recursive: true, force: true })
  mkdirSync(partial, { recursive: true })
  const home = join(partial, 'home')
  // A writable copy: the module cache's is read-only, and `go test` may want to write beside it.
  cpSync(source.dir, home, { recursive: true, filter: path => !/(^|\/)(\.git|node_modules|www)$/.test(path) })
  for (const file of walkFiles(home)) chmodSync(file, 0o644)
  run(['go', 'build', '-trimpath', '-o', join(partial, 'gateway-conformance'), './cmd/gateway-conformance'], home, { CGO_ENABLED: '0' })
  // Compile the tests once now, so that the first run measures the gateway, not the compiler.
  // `-c` builds without running: a `go test` run would print go's "no tests to run" closing line,
  // which CI reads as a run that executed no test.
  const compiledTests = join(partial, 'tests.test')
  run(['go', 'test', '-c', '-o', compiledTests, './tests'], home)
  rmSync(compiledTests, { force: true })
  run([join(partial, 'gateway-conformance'), 'extract-fixtures', '--directory', join(partial, 'fixtures'), '--merged=false'], home, { GATEWAY_CONFORMANCE_HOME: home })
  rmSync(target, { recursive: true, force: true })
  renameSync(partial, target)
  writeFileSync(join(target, 'ready'), `${source.description}\n`)
  return suite
}

/** @param {string} folder @returns {string[]} */
function walkFiles (folder) {
  return readdirSync(folder, { recursive: true, withFileTypes: true }).filter(entry => entry.isFile()).map(entry => join(entry.parentPath, entry.name))
}

if (isMainModule(import.meta.url)) {
  try {
    const suite = conformanceSuite()
    console.log(`ensure-conformance: ${CONFORMANCE_VERSION} ready (${suite.binary}; fixtures in ${suite.fixtures})`)
  } catch (err) {
    console.error(`ensure-conformance: ${err instanceof Error ? err.message : err}`)
    process.exit(1)
  }
}
