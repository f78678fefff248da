// @ts-check
/**
 * A real Kubo for the interop tests and bench/transfer.js: built once by scripts/ensure-kubo.js,
 * run with a repository of its own in the test profile (no bootstrap, no
 * MDNS, loopback only) and Pollen's import profile (unixfs-v1-2025, so a
 * plain `ipfs add` gives Pollen's CIDs), listening on WebSockets, WebTransport
 * and WebRTC-direct, with the relay service on (public reachability forced, as
 * a relay on a public address has), the routing API on its gateway, and its
 * RPC API open to the app's origin so that preload works from the browser.
 * These are the settings the README's Kubo section gives.
 */
import { execFile, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { kuboBinary } from './ensure-kubo.js'

const execFileAsync = promisify(execFile)

/**
 * Pollen's import profile (src/lib/import-profile.ts) is a Kubo profile since v0.40. Setting its
 * Import.* keys one by one misses Import.UnixFSHAMTDirectorySizeEstimation (`links` by default,
 * `block` in the profile and in Pollen), so a folder near the HAMT threshold got another CID.
 */
const KUBO_IMPORT_PROFILE = 'unixfs-v1-2025'

/**
 * @typedef {object} Kubo
 * @property {string} peerId
 * @property {string[]} protocols the libp2p protocols `ipfs id` lists
 * @property {{ ws: string, webtransport: string, webrtcDirect: string }} addrs dialable addresses, each with /p2p/<id>
 * @property {string} apiUrl the RPC API, e.g. http://127.0.0.1:5001 (what a preload entry names)
 * @property {string} gatewayUrl the gateway, which also serves /routing/v1
 * @property {(args: string[], input?: Buffer) => Promise<Buffer>} ipfs runs the ipfs command against this node's repository; resolves with its stdout
 * @property {() => string} log what the daemon printed so far (GOLOG_LOG_LEVEL in the environment raises its log level)
 * @property {() => Promise<void>} stop
 */

/**
 * @typedef {object} KuboOptions
 * @property {boolean} [gatewayOverLibp2p] serve the trustless gateway over libp2p too
 *   (Experimental.GatewayOverLibp2p: HTTP on the libp2p protocol /http/1.1, raw blocks and CARs of local blocks only)
 */

/**
 * Settings that make a Kubo node serve Pollen users (see the README's Kubo section).
 * @param {string} appOrigin
 * @param {KuboOptions} [options]
 * @returns {Record<string, unknown>}
 */
export function kuboConfig (appOrigin, options = {}) {
  return {
    'Addresses.Swarm': ['/ip4/127.0.0.1/tcp/0/ws', '/ip4/127.0.0.1/udp/0/quic-v1', '/ip4/127.0.0.1/udp/0/quic-v1/webtransport', '/ip4/127.0.0.1/udp/0/webrtc-direct'],
    'Swarm.Transports.Network.WebTransport': true,
    'Swarm.Transports.Network.WebRTCDirect': true,
    'Swarm.RelayService.Enabled': true,
    'Internal.Libp2pForceReachability': 'public',
    'Gateway.ExposeRoutingAPI': true,
    'API.HTTPHeaders': { 'Access-Control-Allow-Origin': [appOrigin], 'Access-Control-Allow-Methods': ['POST'] },
    ...(options.gatewayOverLibp2p === true ? { 'Experimental.GatewayOverLibp2p': true } : {})
  }
}

/**
 * @param {string} appOrigin the app's origin, allowed to call the RPC API (preload)
 * @param {KuboOptions} [options]
 * @returns {Promise<Kubo>}
 */
export async function startKubo (appOrigin, options = {}) {
  const binary = kuboBinary()
  const repo = await mkdtemp(join(tmpdir(), 'pollen-kubo-'))
  const env = { ...process.env, IPFS_PATH: repo }
  /** @type {(args: string[], input?: Buffer) => Promise<Buffer>} */
  const run = async (args, input) => {
    if (input == null) return (await execFileAsync(binary, args, { env, encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 })).stdout
    return await new Promise((resolve, reject) => {
      const child = spawn(binary, args, { env })
      /** @type {Buffer[]} */
      const out = []
      /** @type {Buffer[]} */
      const err = []
      child.stdout.on('data', chunk => out.push(chunk))
      child.stderr.on('data', chunk => err.push(chunk))
      child.once('error', reject)
      child.once('exit', code => { code === 0 ? resolve(Buffer.concat(out)) : reject(new Error(`ipfs ${args.join(' ')}: ${Buffer.concat(err).toString()}`)) })
      child.stdin.end(input)
    })
  }
  await run(['init', '--profile', `test,${KUBO_IMPORT_PROFILE}`])
  for (const [key, value] of Object.entries(kuboConfig(appOrigin, options))) await run(['config', '--json', key, JSON.stringify(value)])

  const daemon = spawn(binary, ['daemon'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  /** @type {string[]} */
  const log = []
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`Kubo did not start within 60 s:\n${log.join('')}`)) }, 60_000)
    daemon.stdout.on('data', (/** @type {Buffer} */ chunk) => {
      log.push(chunk.toString())
      if (log.join('').includes('Daemon is ready')) { clearTimeout(timer); resolve(undefined) }
    })
    daemon.stderr.on('data', (/** @type {Buffer} */ chunk) => log.push(chunk.toString()))
    daemon.once('exit', code => { clearTimeout(timer); reject(new Error(`Kubo exited with ${code}:\n${log.join('')}`)) })
  })
  /** @type {{ ID: string, Addresses: string[], Protocols: string[] }} */
  const id = JSON.parse((await run(['id'])).toString())
  /** @type {(pattern: RegExp) => string} */
  const find = (pattern) => {
    const addr = id.Addresses.find(a => pattern.test(a))
    if (addr == null) throw new Error(`Kubo has no address matching ${pattern}: ${id.Addresses.join(' ')}`)
    return addr
  }
  const apiAddr = (await readFile(join(repo, 'api'), 'utf8')).trim()
  const apiPort = /\/tcp\/(\d+)/.exec(apiAddr)?.[1]
  return {
    peerId: id.ID,
    protocols: id.Protocols,
    addrs: { ws: find(/\/ws\/p2p\//), webtransport: find(/\/webtransport\//), webrtcDirect: find(/\/webrtc-direct\//) },
    apiUrl: `http://127.0.0.1:${apiPort}`,
    gatewayUrl: (await readFile(join(repo, 'gateway'), 'utf8')).trim(),
    ipfs: run,
    log: () => log.join(''),
    /** Stops the daemon and removes its repo (a test's repo can hold a GiB). */
    stop: async () => {
      if (daemon.exitCode == null) {
        const exited = new Promise(resolve => daemon.once('exit', resolve))
        daemon.kill('SIGTERM')
        await exited
      }
      await rm(repo, { recursive: true, force: true })
    }
  }
}
