/** Starts test/peers/lying-peer.ts under Node.js 22 and records the lies it tells. */
import { resolve } from 'node:path'
import { startNode22Process } from '../../../scripts/node22-process.js'

export interface LyingPeer {
  peerId: string
  multiaddrs: string[]
  /** CIDs it answered with random bytes, in order. */
  lies: string[]
  stop: () => Promise<void>
}

export async function startLyingPeer (): Promise<LyingPeer> {
  const lies: string[] = []
  const child = await startNode22Process({
    name: 'the lying peer',
    args: [resolve(import.meta.dirname, '../../peers/lying-peer.ts')],
    onLine: line => {
      if (!line.startsWith('{')) return
      const event = JSON.parse(line)
      if (event.event === 'sent-wrong-block') lies.push(event.cid)
    }
  })
  return { peerId: child.ready.peerId, multiaddrs: child.ready.multiaddrs, lies, stop: child.stop }
}
