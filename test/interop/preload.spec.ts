/**
 * Kubo as the preload node: the browser adds a file, connects to Kubo (Kubo
 * RPC `id` names its addresses) and asks it for `refs -r`; Kubo pulls every
 * block over bitswap and serves the file with the browser closed.
 */
import { createHash } from 'node:crypto'
import { addSettingsEntry, openApp, waitForImport } from '../e2e/helpers/app.ts'
import { pseudoRandomBytes } from '../e2e/helpers/content.ts'
import { expect, test } from '../e2e/fixtures.ts'
import { startKubo, type Kubo } from '../../scripts/kubo.js'

let kubo: Kubo
test.beforeAll(async ({ appUrl }) => { kubo = await startKubo(new URL(appUrl).origin) })
test.afterAll(async () => { await kubo?.stop() })

test('a 10 MiB file added in the browser is preloaded to Kubo, which serves identical bytes with the browser closed', async ({ browser, appUrl }) => {
  const bytes = pseudoRandomBytes(10 * 1024 * 1024, 4242)
  const context = await browser.newContext()
  const page = await context.newPage()
  await openApp(page, appUrl, 'settings')
  await addSettingsEntry(page, 'preload', kubo.apiUrl)
  const preload = page.getByTestId('settings-preload')
  await expect(preload.getByRole('listitem').filter({ hasText: kubo.apiUrl })).toHaveCount(1)
  await expect(page.getByTestId('node-status')).toContainText('started')

  await page.goto(`${appUrl}#/files`)
  await page.getByTestId('file-input').setInputFiles({ name: 'preloaded.bin', mimeType: 'application/octet-stream', buffer: bytes })
  const cid = await waitForImport(page, 'preloaded.bin')
  await expect(page.getByTestId('preload-status')).toHaveText(`preload ${new URL(kubo.apiUrl).host}: done`, { timeout: 60_000 })
  await context.close()

  const served = await kubo.ipfs(['cat', cid])
  expect(createHash('sha256').update(served).digest('hex')).toBe(createHash('sha256').update(bytes).digest('hex'))
  // Kubo holds it: the same, offline, from its own blockstore.
  expect((await kubo.ipfs(['cat', '--offline', cid])).length).toBe(bytes.length)
})
