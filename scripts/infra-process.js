// @ts-check
/**
 * Starts the infra node (src/infra/cli.ts) as a child process under the
 * Node.js 22 the project installs (current js-libp2p needs it), waits for its
 * ready line and hands back its addresses. Used by `npm start`, the e2e setup
 * and the benchmarks.
 */
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startNode22Process } from './node22-process.js'

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

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
  const log = options.log ?? (() => {})
  const child = await startNode22Process({ name: 'the infra node', args, cwd: REPO_ROOT, readyTimeoutMs: options.readyTimeoutMs, onLine: log, onStderr: log })
  return { peerId: child.ready.peerId, multiaddrs: child.ready.multiaddrs, httpUrl: child.ready.httpUrl, pid: child.pid, exited: child.exited, kill: child.kill, stop: child.stop }
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
