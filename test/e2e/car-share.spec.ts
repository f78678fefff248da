/**
 * A share link between two browsers, the DAG taken as one CAR stream over
 * HTTP on libp2p from the sharer's trustless gateway (src/node/car-server.ts,
 * src/node/car-fetch.ts) over their direct WebRTC connection.
 */
import { downloadShownDigest, openApp, peerId, waitForImport } from './helpers/app.ts'
import { pseudoRandomBytes, sha256, writeTempFile } from './helpers/content.ts'
import { startNetwork, type LocalNetwork } from './helpers/network.ts'
import { openShared, shareLink } from './helpers/share.ts'
import { expect, test } from './fixtures.ts'

const MiB = 1024 * 1024
let network: LocalNetwork

// No preload: the infra node never has the content, so every byte B gets comes from A.
test.beforeEach(async () => { network = await startNetwork({ autoPreload: false }) })
test.afterEach(async () => { await network.close() })

test('B opens A\'s share link and gets the file as one CAR stream from A, verified and identical', async ({ browser }) => {
  test.setTimeout(240_000)
  const bytes = pseudoRandomBytes(16 * MiB + 5, 71)
  const a = await browser.newContext()
  const pageA = await a.newPage()
  await openApp(pageA, network.appUrl)
  const peerA = await peerId(pageA)
  await pageA.goto(`${network.appUrl}#/files`)
  await pageA.getByTestId('file-input').setInputFiles(await writeTempFile('car.bin', bytes))
  await waitForImport(pageA, 'car.bin')
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
  await expect(fromA).toContainText('Served 16.0 MiB (18 blocks)')
  await expect(fromA.getByTestId('fetch-source-car')).toHaveText('All of it came as one CAR stream over HTTP.')
  expect(await downloadShownDigest(pageB)).toBe(sha256(bytes))
  await Promise.all([a.close(), b.close()])
})
