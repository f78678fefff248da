/** A local network of the test's own: an infra node and the app pointed at it. */
import { startLocalNetwork } from '../../../scripts/local-network.js'
import { tempDir } from './content.ts'

export type LocalNetwork = Awaited<ReturnType<typeof startLocalNetwork>>

export async function startNetwork (): Promise<LocalNetwork> {
  return await startLocalNetwork({ infraDataDir: await tempDir('pollen-infra-') })
}
