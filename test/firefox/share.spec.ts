/**
 * Sharing between Firefox and Chromium, both ways: the receiver gets every
 * byte from the sharer's browser over a direct WebRTC connection (made
 * through the relay), identical.
 */
import { expect, test } from '../e2e/fixtures.ts'
import { downloadShownDigest } from '../e2e/helpers/app.ts'
import { pseudoRandomBytes, sha256, sha256File, writeTempFile } from '../e2e/helpers/content.ts'
import { startNetwork, type LocalNetwork } from '../e2e/helpers/network.ts'
import { openShared as openSharedInChromium, shareLink as chromiumShareLink, sharerWithFile } from '../e2e/helpers/share.ts'
import { addFile, downloadShown, fetchSource, launchFirefox, openApp, openShared, peerId, shareLink, textOf, type Firefox } from './helpers/firefox.ts'

const MiB = 1024 * 1024
let network: LocalNetwork
let firefox: Firefox
// No preload: the infra node never has the content, so every byte comes from the sharer.
test.beforeAll(async () => { network = await startNetwork({ autoPreload: false }) })
test.afterAll(async () => { await network?.close() })
test.beforeEach(async () => { firefox = await launchFirefox() })
test.afterEach(async () => { await firefox?.close() })

test('Firefox shares, Chromium receives: every byte from the Firefox node over a direct WebRTC connection, identical', async ({ browser }) => {
  test.setTimeout(180_000)
  const bytes = pseudoRandomBytes(8 * MiB + 11, 81)
  const sharer = await firefox.context.newPage()
  await openApp(sharer, network.appUrl)
  const peer = await peerId(sharer)
  await addFile(sharer, await writeTempFile('from-firefox.bin', bytes), 'from-firefox.bin')
  const link = await shareLink(sharer, 'from-firefox.bin', peer, { webrtc: true })

  const receiver = await (await browser.newContext()).newPage()
  const sources = await openSharedInChromium(receiver, link, 120_000)
  await expect(receiver.getByTestId('fetch-sharer')).toContainText('(direct)')
  await expect(sources('sharer')).toHaveAttribute('data-relayed', 'false')
  await expect(sources('sharer')).toContainText(/Served 8\.0+ MiB/)
  await expect(receiver.getByTestId('fetch-source')).toHaveCount(1)
  expect(await downloadShownDigest(receiver)).toBe(sha256(bytes))
  await receiver.context().close()
})

test('Chromium shares, Firefox receives: every byte from the Chromium node over a direct WebRTC connection, identical', async ({ browser }) => {
  test.setTimeout(180_000)
  const bytes = pseudoRandomBytes(8 * MiB + 13, 82)
  const { page: sharer, peer } = await sharerWithFile(browser, network.appUrl, 'from-chromium.bin', bytes)
  const link = await chromiumShareLink(sharer, 'from-chromium.bin', peer, { webrtc: true })

  const receiver = await firefox.context.newPage()
  await openShared(receiver, link, 120_000)
  expect(await textOf(receiver, 'fetch-sharer')).toContain('(direct)')
  const fromSharer = await fetchSource(receiver, 'sharer')
  expect(fromSharer.relayed).toBe('false')
  expect(fromSharer.text).toMatch(/Served 8\.0+ MiB/)
  expect(await receiver.$$eval('[data-testid="fetch-source"]', rows => rows.length)).toBe(1)
  expect(await sha256File(await downloadShown(receiver, firefox, bytes.byteLength))).toBe(sha256(bytes))
  await sharer.context().close()
})
