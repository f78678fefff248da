/**
 * Kubo as the delegate router: its gateway serves /routing/v1, and for
 * content it holds it names itself, with addresses a browser can dial.
 */
import { createHash } from 'node:crypto'
import { addSettingsEntry, downloadShownDigest, openApp } from '../e2e/helpers/app.ts'
import { openShared } from '../e2e/helpers/share.ts'
import { pseudoRandomBytes } from '../e2e/helpers/content.ts'
import { expect, test } from '../e2e/fixtures.ts'
import { startKubo, type Kubo } from '../../scripts/kubo.js'

let kubo: Kubo
test.beforeAll(async ({ appUrl }) => { kubo = await startKubo(new URL(appUrl).origin) })
test.afterAll(async () => { await kubo?.stop() })

test('the browser, knowing no peer, finds Kubo as the provider through Kubo\'s /routing/v1 and fetches from it', async ({ browser, appUrl }) => {
  const bytes = pseudoRandomBytes(2 * 1024 * 1024, 777)
  const cid = (await kubo.ipfs(['add', '-Q'], bytes)).toString().trim()
  const context = await browser.newContext()
  const page = await context.newPage()
  await openApp(page, appUrl, 'settings')
  await addSettingsEntry(page, 'delegates', kubo.gatewayUrl)
  const delegates = page.getByTestId('settings-delegates')
  await expect(delegates.getByRole('listitem').filter({ hasText: kubo.gatewayUrl })).toHaveCount(1)
  await expect(page.getByTestId('node-status')).toContainText('started · 0 peers')

  // A link without addresses: the node asks its delegate router who has the content.
  const sources = await openShared(page, `${appUrl}#/open?cid=${cid}&name=routed.bin`)
  await expect(sources('provider')).toContainText(kubo.peerId.slice(-6))
  await expect(sources('provider')).toContainText('Served 2.00 MiB')
  expect(await downloadShownDigest(page)).toBe(createHash('sha256').update(bytes).digest('hex'))
  // The only way to Kubo was the provider record its routing API gave.
  await page.goto(`${appUrl}#/peers`)
  await expect(page.locator(`[data-testid="peer-row"][data-peer="${kubo.peerId}"]`)).toHaveCount(1)
  await context.close()
})
