/**
 * Short share links: the QR code the share panel draws reads back into the
 * link with a real decoder (ZXing) from a screenshot of the panel as shown,
 * the link is under 200 characters, and a second browser that opens it gets
 * the file from the sharer, found by its peer ID alone.
 */
import { pseudoRandomBytes, sha256 } from './helpers/content.ts'
import { downloadShownDigest } from './helpers/app.ts'
import { startNetwork, type LocalNetwork } from './helpers/network.ts'
import { readQrCodes } from './helpers/qr.ts'
import { openShared, sharerWithFile, shareLink } from './helpers/share.ts'
import { expect, test } from './fixtures.ts'

let network: LocalNetwork
// Gateway fallback off: the bytes can only come from the sharer (or the infra node's preloaded copy, told apart by role).
test.beforeAll(async () => { network = await startNetwork({ autoPreload: false, gatewayFallback: false }) })
test.afterAll(async () => { await network?.close() })

test('the share panel\'s QR code reads back into a link under 200 characters, and a second browser gets the file from the sharer with it', async ({ browser }) => {
  const bytes = pseudoRandomBytes(2 * 1024 * 1024, 4242)
  const { page: pageA, peer: peerA } = await sharerWithFile(browser, network.appUrl, 'scan-me.jpg', bytes)
  const link = await shareLink(pageA, 'scan-me.jpg', peerA)
  console.log(`share link: ${link.length} characters`)
  expect(link.length).toBeLessThan(200)
  // The relay is the deployment's own bootstrap node, so the link names the peer alone.
  expect(link).not.toContain('relay=')
  expect(link).not.toContain('addr=')

  const qr = pageA.getByTestId('share-qr')
  await expect(qr).toHaveJSProperty('complete', true)
  const size = await qr.boundingBox()
  expect(size?.width).toBeGreaterThanOrEqual(240)
  // What the panel shows, at the page's own scale: what a camera pointed at the screen would see.
  const decoded = await readQrCodes(await qr.screenshot())
  expect(decoded).toEqual([link])

  const b = await browser.newContext()
  const pageB = await b.newPage()
  const sources = await openShared(pageB, decoded[0])
  await expect(pageB.getByTestId('fetch-sharer')).toContainText(`Connected to the sharer ${peerA.slice(0, 8)}…${peerA.slice(-6)}`)
  // Every block from the sharer: the file's bytes and the root's.
  expect(Number(await sources('sharer').getAttribute('data-bytes'))).toBeGreaterThanOrEqual(bytes.length)
  expect(await downloadShownDigest(pageB)).toBe(sha256(bytes))
  await Promise.all([b.close(), pageA.context().close()])
})

test('a link written before short links, listing the sharer\'s addresses, still opens and fetches from the sharer', async ({ browser }) => {
  const bytes = pseudoRandomBytes(512 * 1024, 4343)
  const { page: pageA, peer: peerA } = await sharerWithFile(browser, network.appUrl, 'old-link.bin', bytes)
  const short = new URL(await shareLink(pageA, 'old-link.bin', peerA))
  await pageA.goto(new URL('#/node', network.appUrl).href)
  const advertised = (await pageA.getByTestId('advertised-addrs').locator('code').allInnerTexts()).filter(addr => addr.includes(`/p2p-circuit/p2p/${peerA}`))
  expect(advertised.length).toBeGreaterThan(0)
  const params = new URLSearchParams(short.hash.split('?')[1])
  const old = new URLSearchParams({ cid: params.get('cid')!, name: 'old-link.bin', size: params.get('size')! })
  for (const addr of advertised) old.append('addr', addr)
  const b = await browser.newContext()
  const pageB = await b.newPage()
  const sources = await openShared(pageB, `${network.appUrl}#/open?${old.toString()}`)
  expect(Number(await sources('sharer').getAttribute('data-bytes'))).toBeGreaterThanOrEqual(bytes.length)
  await Promise.all([b.close(), pageA.context().close()])
})
