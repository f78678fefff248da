/** A local network of the test's own: an infra node and the app pointed at it. */
import { startLocalNetwork } from '../../../scripts/local-network.js'
import { rm } from 'node:fs/promises'
import { tempDir } from './content.ts'

export type LocalNetwork = Awaited<ReturnType<typeof startLocalNetwork>> & {
  /** Every line the infra node logged (JSON lines: requests, events). */
  infraLog: string[]
}

export async function startNetwork (options: Omit<Parameters<typeof startLocalNetwork>[0], 'infraDataDir' | 'log'> = {}): Promise<LocalNetwork> {
  const infraLog: string[] = []
  const infraDataDir = await tempDir('pollen-infra-')
  const network = await startLocalNetwork({ ...options, infraDataDir, log: line => { infraLog.push(...line.split('\n').filter(l => l !== '')) } })
  const close = network.close.bind(network)
  return Object.assign(network, {
    infraLog,
    async close () {
      await close()
      await rm(infraDataDir, { recursive: true, force: true })
    }
  })
}
