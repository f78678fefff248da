/**
 * Kubo's trustless gateway over libp2p (Experimental.GatewayOverLibp2p), which scripts/kubo.js
 * turns on with `gatewayOverLibp2p`: Kubo then speaks HTTP on the libp2p protocol /http/1.1.
 */
import { expect, test } from '../e2e/fixtures.ts'
import { startKubo } from '../../scripts/kubo.js'

test('Kubo takes the gatewayOverLibp2p option: its ipfs id lists /http/1.1 with it and not without', async ({ appUrl }) => {
  for (const gatewayOverLibp2p of [false, true]) {
    const kubo = await startKubo(new URL(appUrl).origin, { gatewayOverLibp2p })
    try {
      expect(kubo.protocols.includes('/http/1.1'), `gatewayOverLibp2p: ${gatewayOverLibp2p}`).toBe(gatewayOverLibp2p)
    } finally {
      await kubo.stop()
    }
  }
})
