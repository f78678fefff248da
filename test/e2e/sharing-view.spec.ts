/**
 * The Sharing screen: what this browser served, to whom. A second browser
 * fetches a shared file; the sharer's screen names that peer with the bytes
 * it got (the file's size), how it is connected, and the totals; while it
 * serves, the sharer's tab title says so, and stops saying so after.
 */
import { pseudoRandomBytes } from './helpers/content.ts'
import { peerId } from './helpers/app.ts'
import { startNetwork, type LocalNetwork } from './helpers/network.ts'
import { openShared, sharerWithFile, shareLink } from './helpers/share.ts'
import { expect, test } from './fixtures.ts'

let network: LocalNetwork
// No preload and no gateway fallback: every byte the receiver gets is served by the sharer.
test.beforeAll(async () => { network = await startNetwork({ autoPreload: false, gatewayFallback: false }) })
test.afterAll(async () => { await network?.close() })

test('the Sharing screen shows the peer that fetched a file and the bytes it got, equal to the file size', async ({ browser }) => {
  const size = 5 * 1024 * 1024 + 12_345
  const bytes = pseudoRandomBytes(size, 5150)
  const { page: pageA, peer: peerA } = await sharerWithFile(browser, network.appUrl, 'served.bin', bytes)
  const link = await shareLink(pageA, 'served.bin', peerA, { webrtc: true })
  await pageA.goto(`${network.appUrl}#/sharing`)
  await expect(pageA.getByTestId('served-none')).toBeVisible()
  const title = await pageA.title()

  const b = await browser.newContext()
  const pageB = await b.newPage()
  await openShared(pageB, link)
  const peerB = await peerId(pageB)

  const row = pageA.locator(`[data-testid="served-peer"][data-peer="${peerB}"]`)
  await expect(row).toHaveAttribute('data-bytes', String(size))
  await expect(row).toHaveAttribute('data-relayed', 'false')
  await expect(row).toHaveAttribute('data-transport', 'WebRTC')
  await expect(row).toContainText(`${(size / 1048576).toFixed(2)} MiB of ${(size / 1048576).toFixed(2)} MiB (100 %)`)
  await expect(pageA.getByTestId('served-file')).toHaveText('served.bin')
  expect(Number(await pageA.getByTestId('serving-totals').getAttribute('data-sent'))).toBeGreaterThanOrEqual(size)
  // The title said so while blocks went out (it holds for the speed window after the last one), then goes back.
  await expect(pageA).toHaveTitle(title)
  await b.close()
  await pageA.context().close()
})

test('while a peer is being served the sharer\'s title says so', async ({ browser }) => {
  const bytes = pseudoRandomBytes(32 * 1024 * 1024, 5151)
  const { page: pageA, peer: peerA } = await sharerWithFile(browser, network.appUrl, 'busy.bin', bytes)
  const link = await shareLink(pageA, 'busy.bin', peerA, { webrtc: true })
  const title = await pageA.title()
  const b = await browser.newContext()
  const pageB = await b.newPage()
  const fetched = openShared(pageB, link)
  // Each block keeps the title up for the 3 s speed window after it, so polling cannot miss it.
  await expect(pageA).toHaveTitle(/^↑ .+\/s to 1 peer · /, { timeout: 60_000 })
  await fetched
  await expect(pageA).toHaveTitle(title)
  await b.close()
  await pageA.context().close()
})
