/**
 * In the public network nobody but the sharer has a freshly shared file, so the
 * sharer's browser must be the one that serves it, even where other sources
 * exist. Here, with the default local deployment (the infra node preloads
 * every add and is a trustless gateway too), a second browser that opens the
 * share link gets at least 90 % of the bytes from the sharer, and its source
 * list says so.
 */
import { downloadShownDigest } from './helpers/app.ts'
import { pseudoRandomBytes, sha256 } from './helpers/content.ts'
import { startNetwork, type LocalNetwork } from './helpers/network.ts'
import { openShared, shareLink, sharerWithFile } from './helpers/share.ts'
import { expect, test } from './fixtures.ts'

const MiB = 1024 * 1024
let network: LocalNetwork

test.beforeEach(async () => { network = await startNetwork() })
test.afterEach(async () => { await network.close() })

test('a 64 MiB share link gets at least 90 % of its bytes from the sharer, with preload and gateway fallback on', async ({ browser }) => {
  test.setTimeout(300_000)
  const bytes = pseudoRandomBytes(64 * MiB, 81)
  const { page: pageA, peer: peerA } = await sharerWithFile(browser, network.appUrl, 'fresh.bin', bytes)
  // The preload is running or done: the infra node holds (some of) the file too.
  await expect(pageA.getByTestId('preload-status')).toHaveText(/preload/, { timeout: 60_000 })
  const link = await shareLink(pageA, 'fresh.bin', peerA, { webrtc: true })

  const b = await browser.newContext()
  const pageB = await b.newPage()
  const sources = await openShared(pageB, link, 240_000)
  const fromSharer = sources('sharer')
  await expect(fromSharer).toHaveCount(1)
  const percent = Number(await fromSharer.getAttribute('data-percent'))
  expect(percent).toBeGreaterThanOrEqual(90)
  await expect(fromSharer).toContainText(`${percent} % of what came`)
  expect(await downloadShownDigest(pageB)).toBe(sha256(bytes))
})
