/** Starts test/peers/lying-peer.ts under Node.js 22 and records the lies it tells. */
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { createInterface } from 'node:readline'
import { node22 } from '../../../scripts/infra-process.js'

export interface LyingPeer {
  peerId: string
  multiaddrs: string[]
  /** CIDs it answered with random bytes, in order. */
  lies: string[]
  stop: () => Promise<void>
}

export async function startLyingPeer (): Promise<LyingPeer> {
  const child = spawn(node22(), [resolve(import.meta.dirname, '../../peers/lying-peer.ts')], { stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise(done => child.once('exit', done))
  const lies: string[] = []
  const lines = createInterface({ input: child.stdout })
  const ready = await new Promise<{ peerId: string, multiaddrs: string[] }>((done, fail) => {
    const timer = setTimeout(() => { fail(new Error('the lying peer did not start')) }, 30_000)
    lines.on('line', line => {
      const event = JSON.parse(line)
      if (event.event === 'ready') { clearTimeout(timer); done(event) }
      if (event.event === 'sent-wrong-block') lies.push(event.cid)
    })
    void exited.then(code => { clearTimeout(timer); fail(new Error(`the lying peer exited with ${String(code)} before it was ready`)) })
  })
  return {
    ...ready,
    lies,
    stop: async () => {
      if (child.exitCode != null) return
      child.kill('SIGTERM')
      await exited
    }
  }
}
