/** Starts test/peers/car-peer.ts under Node.js 22 and drives it over its control API. */
import { resolve } from 'node:path'
import { startNode22Process } from '../../scripts/node22-process.js'

export interface CarPeer {
  peerId: string
  multiaddrs: string[]
  /** CIDs of the content it imported (--fixtures). */
  fixtures: Record<string, string>
  call: <T = any>(op: string, args?: Record<string, unknown>) => Promise<T>
  stop: () => Promise<void>
}

/** The answer of `request`: status, headers, and for a CAR the CIDs it held (and why it stopped, when it failed). */
export interface HttpAnswer {
  status: number
  headers: Record<string, string>
  cids?: string[]
  roots?: string[]
  error?: string
  text?: string
  base64?: string
}

export async function startCarPeer (flags: string[] = []): Promise<CarPeer> {
  const child = await startNode22Process({
    name: 'the CAR peer',
    args: [resolve(import.meta.dirname, '../peers/car-peer.ts'), ...flags],
    readyTimeoutMs: 60_000
  })
  const { peerId, multiaddrs, controlUrl, fixtures } = child.ready
  return {
    peerId,
    multiaddrs,
    fixtures,
    call: async (op, args = {}) => {
      const response = await fetch(controlUrl, { method: 'POST', body: JSON.stringify({ op, ...args }) })
      const answer = await response.json()
      if (response.status !== 200) throw new Error(`${op} failed: ${answer.name}: ${answer.message}`)
      return answer
    },
    stop: child.stop
  }
}
