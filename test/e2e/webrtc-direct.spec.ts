import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { openApp } from './helpers/app.ts'
import { startNetwork, type LocalNetwork } from './helpers/network.ts'
import { expect, test } from './fixtures.ts'

let network: LocalNetwork

test.afterEach(async () => { await network.close() })

test('a deployment that bootstraps over WebRTC-direct: the node dials the infra node through its page\'s peer connection, pings it and holds a relay slot', async ({ page }) => {
  network = await startNetwork({ bootstrapOver: 'webrtc-direct' })
  await openApp(page, network.appUrl, 'peers')
  const row = page.locator(`[data-testid="peer-row"][data-peer="${network.infra.peerId}"]`)
  await expect(row).toHaveCount(1, { timeout: 20_000 })
  await expect(row).toContainText('WebRTC direct')
  await expect(row).toContainText('/webrtc-direct/certhash/')
  await expect(row).toHaveAttribute('data-relayed', 'false')
  await row.getByTestId('ping-button').click()
  await expect(row.getByTestId('ping-result')).toHaveText(/^\d+ ms$/, { timeout: 15_000 })
  await expect(row.getByTestId('ping-error')).toHaveCount(0)
  // It was the only connection to the infra node that the ping could take.
  await expect(row).toHaveCount(1)
  // The relay slot is held over it too: other browsers can reach this one.
  await page.goto(`${network.appUrl}#/node`)
  await expect(page.getByTestId('relay-reservation')).toHaveCount(1, { timeout: 20_000 })
})

test('connecting by hand refuses a malformed address and explains a WebRTC-direct dial whose certificate does not match', async ({ page }) => {
  network = await startNetwork()
  await openApp(page, network.appUrl, 'peers')
  await page.getByTestId('connect-input').fill('/ip4/127.0.0.1/udp/notaport/webrtc-direct')
  await page.getByTestId('connect-button').click()
  await expect(page.getByTestId('connect-error')).toContainText('is not a multiaddr')

  // The infra node's port, a peer nobody knows and a certificate hash that is not the infra node's: DTLS refuses.
  const direct = network.infra.multiaddrs.find(addr => addr.includes('/webrtc-direct/certhash/'))!
  const stranger = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
  const forged = direct.replace(/\/certhash\/[^/]+/, '/certhash/uEiDDq4_xNyDorZBH3TlGazyJdOWSwvo4PUo5YHFMrvDE8g').replace(network.infra.peerId, stranger)
  await page.getByTestId('connect-input').fill(forged)
  await page.getByTestId('connect-button').click()
  await expect(page.getByTestId('connect-error')).toContainText(`Could not connect to ${forged}`, { timeout: 30_000 })
  await expect(page.locator(`[data-testid="peer-row"][data-peer="${stranger}"]`)).toHaveCount(0)
})
