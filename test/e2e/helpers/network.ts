/** A local network of the test's own: an infra node and the app pointed at it. */
import { startLocalNetwork } from '../../../scripts/local-network.js'
import { tempDir } from './content.ts'

export type LocalNetwork = Awaited<ReturnType<typeof startLocalNetwork>> & {
  /** Every line the infra node logged (JSON lines: requests, events). */
  infraLog: string[]
}

export async function startNetwork (options: Omit<Parameters<typeof startLocalNetwork>[0], 'infraDataDir' | 'log'> = {}): Promise<LocalNetwork> {
  const infraLog: string[] = []
  const network = await startLocalNetwork({ ...options, infraDataDir: await tempDir('pollen-infra-'), log: line => { infraLog.push(...line.split('\n').filter(l => l !== '')) } })
  return Object.assign(network, { infraLog })
}
