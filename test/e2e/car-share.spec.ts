/**
 * A share link between two browsers, the DAG taken as one CAR stream over
 * HTTP on libp2p from the sharer's trustless gateway (src/node/car-server.ts,
 * src/lib/car-fetch.ts) over their direct WebRTC connection.
 */
import { downloadShownDigest } from './helpers/app.ts'
import { pseudoRandomBytes, sha256 } from './helpers/content.ts'
import { startNetwork, type LocalNetwork } from './helpers/network.ts'
import { followShareLink, openShared, shareLink, sharerWithFile } from './helpers/share.ts'
import { expect, test } from './fixtures.ts'

const MiB = 1024 * 1024
let network: LocalNetwork

// No preload: the infra node never has the content, so every byte B gets comes from A.
test.beforeEach(async () => { network = await startNetwork({ autoPreload: false }) })
test.afterEach(async () => { await network.close() })

test('B opens A\'s share link and gets the file as one CAR stream from A, verified and identical', async ({ browser }) => {
  test.setTimeout(240_000)
  const bytes = pseudoRandomBytes(16 * MiB + 5, 71)
  const { page: pageA, peer: peerA } = await sharerWithFile(browser, network.appUrl, 'car.bin', bytes)
  // A serves the trustless gateway over libp2p, as every Pollen node does.
  await pageA.goto(`${network.appUrl}#/node`)
  await expect(pageA.getByTestId('protocols')).toContainText('/http/1.1')
  const link = await shareLink(pageA, 'car.bin', peerA, { webrtc: true })

  const b = await browser.newContext()
  const pageB = await b.newPage()
  const sources = await openShared(pageB, link, 180_000)
  await expect(pageB.getByTestId('fetch-sharer')).toContainText('(direct)')
  // 17 leaves of 1 MiB and the root: every one came in A's CAR stream, none over bitswap.
  const fromA = sources('sharer')
  await expect(pageB.getByTestId('fetch-source')).toHaveCount(1)
  await expect(fromA).toHaveAttribute('data-car-blocks', '18')
  await expect(fromA).toContainText('Served 16.0 MiB (18 blocks, 100 % of what came)')
  await expect(fromA.getByTestId('fetch-source-car')).toHaveText('All of it came as CAR streams over HTTP.')
  expect(await downloadShownDigest(pageB)).toBe(sha256(bytes))
  await Promise.all([pageA.context().close(), b.close()])
})

test('a link announcing less than the DAG holds stops A\'s CAR stream at its root, with the size message', async ({ browser }) => {
  test.setTimeout(240_000)
  const { page: pageA, peer: peerA } = await sharerWithFile(browser, network.appUrl, 'big.bin', pseudoRandomBytes(16 * MiB, 72))
  const link = await shareLink(pageA, 'big.bin', peerA, { webrtc: true })

  const b = await browser.newContext()
  const pageB = await b.newPage()
  await followShareLink(pageB, link.replace(/([?&]size=)\d+/, '$11048576'))
  await expect(pageB.getByTestId('fetch-job')).toHaveAttribute('data-status', 'failed', { timeout: 180_000 })
  const error = pageB.getByTestId('fetch-error')
  await expect(error).toContainText('is larger than its link announced: it holds 16.0 MiB')
  // The root said how much lies below it: the stream stopped there, before the first leaf.
  await expect(error).toContainText(/the fetch stopped after \d+(\.\d+)? (B|KiB)\./)
  await expect(pageB.getByTestId('fetch-source').and(pageB.locator('[data-role="sharer"]'))).toHaveAttribute('data-car-blocks', '1')
  await Promise.all([pageA.context().close(), b.close()])
})
