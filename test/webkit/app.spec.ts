/**
 * Pollen in WebKit (WebKitGTK standing in for Safari): the node starts, files
 * add, preview and preload, a reload keeps the node, and a share link opened
 * in Chromium is served by the WebKit node over the relay (this WebKitGTK
 * build has no RTCPeerConnection).
 */
import { expect, test } from '../e2e/fixtures.ts'
import { downloadDigest, openApp as openChromiumApp } from '../e2e/helpers/app.ts'
import { expectedFileCid, pseudoRandomBytes, sha256, writeTempFile } from '../e2e/helpers/content.ts'
import { STATIC_SITE } from '../e2e/helpers/gateway.ts'
import { startNetwork, type LocalNetwork } from '../e2e/helpers/network.ts'
import { openShared } from '../e2e/helpers/share.ts'
import { addFile, attributeOf, launchWebKit, openApp, openPath, peerId, rowCid, run, shareLink, textOf, type WebKit } from './helpers/webkit.ts'

const MiB = 1024 * 1024
let network: LocalNetwork
let webkit: WebKit
test.afterEach(async () => {
  await webkit?.close()
  await network?.close()
})

const feature = async (id: string): Promise<string | null> =>
  await attributeOf(webkit.driver, `[data-testid="browser-feature"][data-feature="${id}"]`, 'data-available')

test('WebKit: the node starts, files add, preview and preload, and a reload finds the same node and files', async ({ browser }) => {
  test.setTimeout(180_000)
  network = await startNetwork()
  webkit = await launchWebKit()
  const { driver } = webkit
  await openApp(driver, network.appUrl)
  const peer = await peerId(driver)
  // What this browser lacks, said on the Node screen; and no /webrtc address, since no page can host WebRTC.
  expect(await feature('extended-lifetime')).toBe('false')
  expect(await feature('webrtc')).toBe('false')
  expect(await feature('storage-estimate')).toBe('true')
  await expect.poll(async () => await textOf(driver, 'advertised-addrs'), { timeout: 30_000 }).toContain('/p2p-circuit')
  expect(await textOf(driver, 'advertised-addrs')).not.toMatch(/\/webrtc(\/|$)/)

  const text = 'Notes kept in WebKit.\n'
  const textCid = await addFile(driver, await writeTempFile('notes.txt', Buffer.from(text)), 'notes.txt')
  await openPath(driver, textCid)
  await expect.poll(async () => await textOf(driver, 'text-preview')).toBe(text)

  const png = STATIC_SITE['img/logo.png'] as Buffer
  const pngCid = await addFile(driver, await writeTempFile('logo.png', png), 'logo.png')
  await openPath(driver, pngCid)
  await expect.poll(async () => await run<number>(driver, 'return document.querySelector(\'[data-testid="image-preview"]\')?.naturalWidth ?? 0')).toBe(2)

  // Preloaded to the infra node, which then serves it to a browser that never saw this one.
  const bytes = pseudoRandomBytes(2 * MiB + 7, 91)
  const cid = await addFile(driver, await writeTempFile('data.bin', bytes), 'data.bin')
  expect(cid).toBe(await expectedFileCid(bytes))
  await expect.poll(async () => await run<string>(driver, `return Array.from(document.querySelectorAll('[data-testid="file-row"]'))
    .find(row => row.textContent.includes('data.bin'))?.querySelector('[data-testid="preload-status"]')?.textContent ?? ''`), { timeout: 60_000 }).toMatch(/: done$/)
  const other = await browser.newContext()
  const reader = await other.newPage()
  await openChromiumApp(reader, network.appUrl)
  expect(await downloadDigest(reader, `/ipfs/${cid}`)).toBe(sha256(bytes))
  await other.close()

  await driver.navigate().refresh()
  await openApp(driver, network.appUrl)
  expect(await peerId(driver)).toBe(peer)
  await openApp(driver, network.appUrl)
  expect(await rowCid(driver, 'data.bin')).toBe(cid)
})

test('WebKit shares, Chromium receives: every byte from the WebKit node over the relay, identical', async ({ browser }) => {
  test.setTimeout(180_000)
  // No preload: the infra node never has the content, so every byte comes from the sharer.
  network = await startNetwork({ autoPreload: false })
  webkit = await launchWebKit()
  const { driver } = webkit
  await openApp(driver, network.appUrl)
  const peer = await peerId(driver)
  const bytes = pseudoRandomBytes(4 * MiB + 9, 92)
  await addFile(driver, await writeTempFile('from-webkit.bin', bytes), 'from-webkit.bin')
  const link = await shareLink(driver, 'from-webkit.bin', peer)
  // The link names the peer alone; identify tells the receiver that WebKit announces no WebRTC, so none is waited on in vain.
  expect(decodeURIComponent(link)).not.toContain('/webrtc/')

  const context = await browser.newContext()
  const receiver = await context.newPage()
  const sources = await openShared(receiver, link, 120_000)
  await expect(sources('sharer')).toHaveAttribute('data-relayed', 'true')
  await expect(sources('sharer')).toContainText(/Served 4\.0+ MiB/)
  await expect(receiver.getByTestId('fetch-source')).toHaveCount(1)
  expect(await downloadDigest(receiver, `/ipfs/${await rowCid(driver, 'from-webkit.bin')}`)).toBe(sha256(bytes))
  await context.close()
})

test('WebKit as it comes, without navigator.storage: the files still list, and the storage panel says what it cannot tell', async () => {
  network = await startNetwork()
  webkit = await launchWebKit({ storageApi: false })
  const { driver } = webkit
  await openApp(driver, network.appUrl, 'node')
  expect(await feature('storage-estimate')).toBe('false')
  await openApp(driver, network.appUrl)
  const bytes = pseudoRandomBytes(MiB, 93)
  expect(await addFile(driver, await writeTempFile('kept.bin', bytes), 'kept.bin')).toBe(await expectedFileCid(bytes))
  await expect.poll(async () => await textOf(driver, 'storage-unknown')).toContain('does not tell')
  expect(await textOf(driver, 'persisted-unavailable')).toContain('cannot be asked')
  expect(await textOf(driver, 'storage')).toMatch(/\d+ blocks/)
})
