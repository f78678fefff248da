/**
 * Kubo as the relay: a browser reserves a slot on Kubo's circuit relay v2
 * service, another reaches it through Kubo from its share link, the two
 * switch to a direct WebRTC connection, and a file crosses.
 */
import { createHash } from 'node:crypto'
import { addSettingsEntry, downloadShownDigest, openApp, peerId, waitForImport } from '../e2e/helpers/app.ts'
import { pseudoRandomBytes, writeTempFile } from '../e2e/helpers/content.ts'
import { openShared, shareLink } from '../e2e/helpers/share.ts'
import { expect, test } from '../e2e/fixtures.ts'
import { startKubo, type Kubo } from '../../scripts/kubo.js'

let kubo: Kubo
test.beforeAll(async ({ appUrl }) => { kubo = await startKubo(new URL(appUrl).origin) })
test.afterAll(async () => { await kubo?.stop() })

test('two browsers reach each other through Kubo\'s relay, upgrade to a direct WebRTC connection, and a file crosses', async ({ browser, appUrl }) => {
  test.setTimeout(180_000)
  const bytes = pseudoRandomBytes(8 * 1024 * 1024, 31337)
  const a = await browser.newContext()
  const pageA = await a.newPage()
  await openApp(pageA, appUrl, 'settings')
  await addSettingsEntry(pageA, 'bootstrap', kubo.addrs.ws)
  const bootstrap = pageA.getByTestId('settings-bootstrap')
  await expect(bootstrap.getByRole('listitem').filter({ hasText: kubo.peerId })).toHaveCount(1)
  await pageA.goto(`${appUrl}#/node`)
  // The slot on Kubo's relay.
  await expect(pageA.locator(`[data-testid="relay-reservation"][data-relay="${kubo.peerId}"]`)).toHaveCount(1, { timeout: 30_000 })
  const peerA = await peerId(pageA)
  await pageA.goto(`${appUrl}#/files`)
  await pageA.getByTestId('file-input').setInputFiles(await writeTempFile('through-kubo.bin', bytes))
  await waitForImport(pageA, 'through-kubo.bin')
  const link = await shareLink(pageA, 'through-kubo.bin', peerA, { webrtc: true })
  // Kubo is not one of the deployment's bootstrap nodes, so the short link names it as the relay.
  expect(new URLSearchParams(new URL(link).hash.split('?')[1]).get('relay')).toMatch(new RegExp(`/ws/p2p/${kubo.peerId}$`))

  const b = await browser.newContext()
  const pageB = await b.newPage()
  const sources = await openShared(pageB, link, 120_000)
  await expect(pageB.getByTestId('fetch-sharer')).toContainText('(direct)')
  await expect(sources('sharer')).toHaveAttribute('data-relayed', 'false')
  expect(await downloadShownDigest(pageB)).toBe(createHash('sha256').update(bytes).digest('hex'))
  await pageB.goto(`${appUrl}#/peers`)
  await expect(pageB.locator(`[data-testid="peer-row"][data-peer="${peerA}"][data-transport="WebRTC"][data-relayed="false"]`)).toHaveCount(1)
  await Promise.all([a.close(), b.close()])
})
