import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 as sha256Hasher } from 'multiformats/hashes/sha2'
import { buildShareLink } from '../../src/lib/share-link.ts'
import { pseudoRandomBytes, sha256, tempDir } from './helpers/content.ts'
import { downloadShownDigest, openApp, openPath, peerId, waitForImport } from './helpers/app.ts'
import { startLyingPeer } from './helpers/lying-peer.ts'
import { startNetwork, type LocalNetwork } from './helpers/network.ts'
import { followShareLink, openShared, shareLink } from './helpers/share.ts'
import { expect, test } from './fixtures.ts'

let network: LocalNetwork

test.beforeEach(async () => { network = await startNetwork() })
test.afterEach(async () => { await network.close() })

test('B (without WebRTC) gets A\'s shared bytes over the relay, D over a direct WebRTC connection; with A gone, C gets them from the infra node', async ({ browser }) => {
  test.setTimeout(180_000)
  const bytes = pseudoRandomBytes(10 * 1024 * 1024, 41)

  const a = await browser.newContext()
  const pageA = await a.newPage()
  await openApp(pageA, network.appUrl)
  const peerA = await peerId(pageA)
  await pageA.goto(`${network.appUrl}#/files`)
  await pageA.getByTestId('file-input').setInputFiles({ name: 'shared.bin', mimeType: 'application/octet-stream', buffer: bytes })
  const root = await waitForImport(pageA, 'shared.bin')
  await expect(pageA.getByTestId('preload-status')).toHaveText(/done/, { timeout: 60_000 })
  expect(network.infraLog.some(line => line.includes('/api/v0/refs') && line.includes(root))).toBe(true)
  const link = await shareLink(pageA, 'shared.bin', peerA)
  expect(link).toContain(`cid=${root}`)
  expect(link).toContain('name=shared.bin')

  // B: a separate profile, in a browser without WebRTC, opens the link.
  const b = await browser.newContext()
  await b.addInitScript(() => { delete (globalThis as { RTCPeerConnection?: unknown }).RTCPeerConnection })
  const pageB = await b.newPage()
  const sourcesB = await openShared(pageB, link)
  await expect(pageB.getByTestId('fetch-sharer')).toContainText('Connected to the sharer')
  await expect(pageB.getByTestId('fetch-sharer')).toContainText('relayed')
  // The sharer served the blocks, over the relay (and no one else did).
  await expect(pageB.getByTestId('fetch-job')).toHaveAttribute('data-status', 'done', { timeout: 60_000 })
  expect(await pageB.getByTestId('fetch-source').allInnerTexts()).toEqual([expect.stringContaining('the sharer\'s browser')])
  const fromSharer = sourcesB('sharer')
  await expect(fromSharer).toHaveCount(1)
  await expect(fromSharer).toHaveAttribute('data-relayed', 'true')
  await expect(fromSharer).toContainText(/Served 10\.0 MiB/)
  expect(await downloadShownDigest(pageB)).toBe(sha256(bytes))
  await pageB.goto(`${network.appUrl}#/peers`)
  const rowA = pageB.locator(`[data-testid="peer-row"][data-peer="${peerA}"]`)
  await expect(rowA).toHaveAttribute('data-relayed', 'true')
  await expect(rowA).toContainText('relayed')
  // A's Node screen shows how B reached it: inbound, through the relay.
  const peerB = await peerId(pageB)
  await pageA.goto(`${network.appUrl}#/node`)
  const fromB = pageA.locator(`[data-testid="reach-connection"][data-peer="${peerB}"]`)
  await expect(fromB).toHaveAttribute('data-direction', 'inbound')
  await expect(fromB).toHaveAttribute('data-relayed', 'true')
  await b.close()

  // D: with WebRTC, the relayed connection is only for signalling; the bytes come over a direct one.
  const d = await browser.newContext()
  const pageD = await d.newPage()
  const directFromSharer = (await openShared(pageD, link))('sharer')
  await expect(pageD.getByTestId('fetch-sharer')).toContainText('(direct)')
  // The sharer serves over the direct connection (how much it wins against the gateway's grace period is the benchmark's business).
  await expect(directFromSharer).toHaveAttribute('data-relayed', 'false')
  await expect(directFromSharer).toContainText(/Served \d/)
  expect(await downloadShownDigest(pageD)).toBe(sha256(bytes))
  await pageD.goto(`${network.appUrl}#/peers`)
  const directRowA = pageD.locator(`[data-testid="peer-row"][data-peer="${peerA}"]`).filter({ hasText: 'WebRTC' })
  await expect(directRowA).toHaveAttribute('data-relayed', 'false')
  await expect(directRowA).toContainText('/webrtc')
  await d.close()

  // C: A has gone; a fresh profile opens the same link.
  await a.close()
  const c = await browser.newContext()
  const pageC = await c.newPage()
  const sourcesC = await openShared(pageC, link)
  await expect(pageC.getByTestId('fetch-sharer')).toContainText('is not reachable')
  await expect(sourcesC('bootstrap')).toContainText(network.infra.peerId.slice(0, 8))
  await expect(sourcesC('sharer')).toHaveCount(0)
  expect(network.infraLog.some(line => line.includes(`/routing/v1/providers/${root}`))).toBe(true)
  expect(await downloadShownDigest(pageC)).toBe(sha256(bytes))
  // Saving it lists it, pinned, in C's files.
  await pageC.getByTestId('keep-button').click()
  await expect(pageC.getByTestId('kept')).toBeVisible()
  await pageC.goto(`${network.appUrl}#/files`)
  await expect(pageC.getByTestId('file-row').filter({ hasText: 'shared.bin' })).toHaveAttribute('data-cid', root)
  await c.close()
})

/** A has the file added and preloaded to the infra node, then closes; returns the root. */
async function preloadedByAnotherBrowser (browser: import('@playwright/test').Browser, bytes: Uint8Array, name: string): Promise<string> {
  const a = await browser.newContext()
  const pageA = await a.newPage()
  await openApp(pageA, network.appUrl)
  await pageA.getByTestId('file-input').setInputFiles({ name, mimeType: 'application/octet-stream', buffer: Buffer.from(bytes) })
  const root = await waitForImport(pageA, name)
  await expect(pageA.getByTestId('preload-status')).toHaveText(/done/, { timeout: 60_000 })
  await a.close()
  return root
}

test('a peer that answers with bytes that do not match the CID is ignored and the blocks come from elsewhere', async ({ browser }) => {
  const bytes = pseudoRandomBytes(3 * 1024 * 1024 + 5, 43)
  const root = await preloadedByAnotherBrowser(browser, bytes, 'honest.bin')
  const liar = await startLyingPeer()
  try {
    // The link names the liar as the sharer, so it is asked first and alone.
    const link = buildShareLink(network.appUrl, { cid: root, name: 'honest.bin', addrs: liar.multiaddrs })
    const b = await browser.newContext()
    const page = await b.newPage()
    await followShareLink(page, link)
    await expect(page.getByTestId('fetch-job')).toHaveAttribute('data-status', 'done', { timeout: 60_000 })
    await expect(page.getByTestId('fetch-sharer')).toContainText('Connected to the sharer')
    expect(liar.lies).toContain(root)
    // Nothing was taken from the liar; every block came from another source.
    await expect(page.getByTestId('fetch-source').filter({ hasText: liar.peerId.slice(-6) })).toHaveCount(0)
    // The session stays with the silent liar; after its grace period the infra node serves every block, over bitswap
    // (the delegate routers name it a provider) or as the trustless gateway, whichever answers first.
    const served = await page.getByTestId('fetch-source').evaluateAll(elements => elements
      .map(element => ({ text: element.textContent ?? '', bytes: Number(element.getAttribute('data-bytes')) }))
      .filter(source => source.bytes > 0))
    const isInfra = (text: string): boolean => text.includes(network.infra.httpUrl) || text.includes(network.infra.peerId.slice(-6))
    expect(served.filter(source => !isInfra(source.text))).toEqual([])
    // The file's bytes and its root block's links.
    expect(served.reduce((sum, source) => sum + source.bytes, 0)).toBeGreaterThan(bytes.byteLength)
    expect(await downloadShownDigest(page)).toBe(sha256(bytes))
    await b.close()

    // Without any gateway, the other peers are asked once the liar has had its chance.
    const c = await browser.newContext()
    const pageC = await c.newPage()
    await openApp(pageC, network.appUrl, 'settings')
    await pageC.getByTestId('settings-gateways').getByRole('button', { name: /^Remove/ }).click()
    await expect(pageC.getByTestId('settings-gateways')).toContainText('none')
    await expect(pageC.getByTestId('node-status')).toContainText('1 peer')
    await followShareLink(pageC, link)
    await expect(pageC.getByTestId('fetch-job')).toHaveAttribute('data-status', 'done', { timeout: 60_000 })
    await expect(pageC.getByTestId('fetch-source').and(pageC.locator('[data-kind="gateway"]'))).toHaveCount(0)
    await expect(pageC.getByTestId('fetch-source').and(pageC.locator('[data-role="bootstrap"]'))).toContainText(network.infra.peerId.slice(-6))
    await expect(pageC.getByTestId('fetch-source').filter({ hasText: liar.peerId.slice(-6) })).toHaveCount(0)
    expect(await downloadShownDigest(pageC)).toBe(sha256(bytes))
    await c.close()
  } finally {
    await liar.stop()
  }
})

test('content nobody has ends in a clear timeout message, in the open box and from a share link', async ({ page }) => {
  await openApp(page, network.appUrl, 'settings')
  await page.getByTestId('settings-fetch-timeout').fill('0')
  await page.getByTestId('settings-options').getByRole('button', { name: 'Save' }).click()
  await expect(page.getByTestId('settings-options').getByTestId('settings-error')).toContainText('whole number of seconds from 1 to 3600')
  await page.getByTestId('settings-fetch-timeout').fill('3')
  await page.getByTestId('settings-options').getByRole('button', { name: 'Save' }).click()
  await expect(page.getByTestId('settings-options')).toContainText('now 3 s')
  await expect(page.getByTestId('node-status')).toContainText('1 peer')

  const nobodyHas = CID.createV1(raw.code, await sha256Hasher.digest(randomBytes(64))).toString()
  const started = Date.now()
  await openPath(page, `/ipfs/${nobodyHas}`)
  await expect(page.getByTestId('open-error')).toContainText('was not found', { timeout: 20_000 })
  await expect(page.getByTestId('open-error')).toContainText('within 3 s')
  expect(Date.now() - started).toBeLessThan(20_000)

  await followShareLink(page, buildShareLink(network.appUrl, { cid: nobodyHas, name: 'gone.bin', addrs: [] }))
  await expect(page.getByTestId('fetch-error')).toContainText('nothing came for 3 s', { timeout: 20_000 })
  await expect(page.getByTestId('fetch-error')).toContainText('Tried')
  await expect(page.getByTestId('fetch-job')).toHaveAttribute('data-status', 'failed')

  // Links damaged on the way say so.
  await page.goto(`${network.appUrl}#/open?cid=bafy-damaged&name=x`)
  await expect(page.getByTestId('open-error')).toContainText('is not valid; ask the sharer for the link again')
  await followShareLink(page, buildShareLink(network.appUrl, { cid: nobodyHas, addrs: ['/ip4/127.0.0.1/tcp/1/ws'] }))
  await expect(page.getByTestId('fetch-error')).toContainText('names no peer')
})

test('a shared folder arrives whole from the sharer and opens as a listing whose files preview', async ({ browser }) => {
  const dir = join(await tempDir(), 'album')
  await mkdir(join(dir, 'notes'), { recursive: true })
  await writeFile(join(dir, 'a.txt'), 'first file\n')
  await writeFile(join(dir, 'notes', 'b.txt'), 'second file\n')
  await writeFile(join(dir, 'big.bin'), pseudoRandomBytes(2 * 1024 * 1024 + 17, 47))

  const a = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] })
  const pageA = await a.newPage()
  await openApp(pageA, network.appUrl)
  const peerA = await peerId(pageA)
  await pageA.goto(`${network.appUrl}#/files`)
  await pageA.getByTestId('folder-input').setInputFiles(dir)
  const root = await waitForImport(pageA, 'album')
  const link = await shareLink(pageA, 'album', peerA)
  await pageA.getByTestId('share-copy').click()
  await expect(pageA.getByTestId('share-panel')).toContainText('Copied.')
  expect(await pageA.evaluate(async () => await navigator.clipboard.readText())).toBe(link)

  const b = await browser.newContext()
  const pageB = await b.newPage()
  await followShareLink(pageB, link)
  await expect(pageB.getByTestId('fetch-job')).toHaveAttribute('data-status', 'done', { timeout: 60_000 })
  await expect(pageB.getByTestId('fetch-status')).toContainText(/Fetched and verified 2\.\d+ MiB/)
  await expect(pageB.getByTestId('viewer')).toContainText(`/ipfs/${root}`)
  await expect(pageB.getByTestId('dir-entry')).toHaveText([/notes/, /a\.txt/, /big\.bin/])
  await pageB.getByTestId('dir-entry').filter({ hasText: 'notes' }).getByRole('button').click()
  await pageB.getByTestId('dir-entry').filter({ hasText: 'b.txt' }).getByRole('button').click()
  await expect(pageB.getByTestId('text-preview')).toHaveText('second file\n')
  // Opened again, everything is already here: no source served anything.
  await pageB.goto(`${network.appUrl}#/files`)
  await followShareLink(pageB, link)
  await expect(pageB.getByTestId('fetch-job')).toHaveAttribute('data-status', 'done', { timeout: 60_000 })
  await expect(pageB.getByTestId('fetch-status')).toContainText(/\((\d+) already here\)/)
  await expect(pageB.getByTestId('fetch-source')).toHaveCount(0)
  await b.close()
  await a.close()
})
