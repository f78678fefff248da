#!/usr/bin/env node
// @ts-check
// Builds Kubo (the Go IPFS node) at the version test/interop/kubo/go.mod pins, with the Go
// toolchain from the Go module proxy, once: the binary is kept under node_modules/.cache/ keyed
// by go.mod and go.sum, so a clean clone builds it and later runs reuse it. Prints its version.
//
// Usage: node scripts/ensure-kubo.js      (also imported by the interop tests: kuboBinary())

import { createHash } from 'node:crypto'
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isMainModule } from './is-main-module.js'

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const KUBO_MODULE = join(REPO_ROOT, 'test', 'interop', 'kubo')
const CACHE = join(REPO_ROOT, 'node_modules', '.cache', 'pollen-kubo')

/** The Kubo version go.mod requires, e.g. v0.43.1. */
export function kuboVersion () {
  const match = /github\.com\/ipfs\/kubo (v[\w.-]+)/.exec(readFileSync(join(KUBO_MODULE, 'go.mod'), 'utf8'))
  if (match == null) throw new Error('test/interop/kubo/go.mod requires no github.com/ipfs/kubo version')
  return match[1]
}

/** Where the binary for this go.mod and go.sum lives. */
export function kuboBinaryPath () {
  const hash = createHash('sha256')
  for (const file of ['go.mod', 'go.sum', 'main.go']) hash.update(readFileSync(join(KUBO_MODULE, file)))
  return join(CACHE, `ipfs-${kuboVersion()}-${hash.digest('hex').slice(0, 12)}`)
}

/** Builds the binary unless it is there; returns its path. */
export function kuboBinary () {
  const binary = kuboBinaryPath()
  if (existsSync(binary)) return binary
  mkdirSync(CACHE, { recursive: true })
  console.log(`ensure-kubo: building Kubo ${kuboVersion()} (go build in test/interop/kubo; a few minutes, once)`)
  const partial = `${binary}.partial`
  const result = spawnSync('go', ['build', '-trimpath', '-o', partial, '.'], { cwd: KUBO_MODULE, stdio: 'inherit', env: { ...process.env, CGO_ENABLED: '0' } })
  if (result.error != null) throw new Error(`could not run go: ${result.error.message} (install Go: it builds Kubo for the interop tests)`)
  if (result.status !== 0) throw new Error(`go build of Kubo exited with ${result.status}`)
  renameSync(partial, binary)
  return binary
}

if (isMainModule(import.meta.url)) {
  try {
    const binary = kuboBinary()
    console.log(`ensure-kubo: ${execFileSync(binary, ['version'], { encoding: 'utf8' }).trim()} (${binary})`)
  } catch (err) {
    console.error(`ensure-kubo: ${err instanceof Error ? err.message : err}`)
    process.exit(1)
  }
}
