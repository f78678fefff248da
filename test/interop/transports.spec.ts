/**
 * The browser node and Kubo over each transport a browser can dial: WebSocket,
 * WebTransport (certificate hashes) and WebRTC-direct. On each, alone: ping,
 * and bitswap both ways over that one connection: a 10 MiB file Kubo added
 * arrives in the browser, and one the browser added arrives in Kubo, each with
 * identical bytes.
 */
import { createHash } from 'node:crypto'
import { downloadShownDigest, openApp, waitForImport } from '../e2e/helpers/app.ts'
import { openShared } from '../e2e/helpers/share.ts'
import { pseudoRandomBytes } from '../e2e/helpers/content.ts'
import { expect, test } from '../e2e/fixtures.ts'
import { startKubo, type Kubo } from '../../scripts/kubo.js'

let kubo: Kubo
test.beforeAll(async ({ appUrl }) => { kubo = await startKubo(new URL(appUrl).origin) })
test.afterAll(async () => { await kubo?.stop() })

const TRANSPORTS = [
  { name: 'WebSocket', addr: () => kubo.addrs.ws },
  { name: 'WebTransport', addr: () => kubo.addrs.webtransport },
  { name: 'WebRTC direct', addr: () => kubo.addrs.webrtcDirect }
]

test('off a local network, the browser refuses Kubo\'s loopback addresses and says why', async ({ browser, appUrl }) => {
  const context = await browser.newContext()
  const page = await context.newPage()
  await openApp(page, appUrl, 'settings')
  await page.getByTestId('settings-private-addresses').uncheck()
  await expect(page.getByTestId('settings-private-addresses')).not.toBeChecked()
  // The box is cleared at the click; the network restarts with the setting a moment later.
  await page.goto(`${appUrl}#/node`)
  await expect(page.getByTestId('node-screen')).toHaveAttribute('data-starts', '2', { timeout: 30_000 })
  await page.goto(`${appUrl}#/peers`)
  for (const transport of TRANSPORTS) {
    await page.getByTestId('connect-input').fill(transport.addr())
    await page.getByTestId('connect-button').click()
    await expect(page.getByTestId('connect-error')).toContainText('loopback or private-network address')
  }
  await expect(page.getByTestId('peer-row')).toHaveCount(0)
  await context.close()
})

for (const [i, transport] of TRANSPORTS.entries()) {
  test(`over ${transport.name}: the browser dials Kubo, pings it, fetches 10 MiB Kubo added and Kubo fetches 10 MiB the browser added, identical`, async ({ browser, appUrl }) => {
    const bytes = pseudoRandomBytes(10 * 1024 * 1024, 600 + i)
    const cid = (await kubo.ipfs(['add', '-Q'], bytes)).toString().trim()
    const context = await browser.newContext()
    const page = await context.newPage()
    await openApp(page, appUrl, 'peers')
    await page.getByTestId('connect-input').fill(transport.addr())
    await page.getByTestId('connect-button').click()
    const row = page.locator(`[data-testid="peer-row"][data-peer="${kubo.peerId}"]`)
    await expect(row).toHaveCount(1, { timeout: 20_000 })
    await expect(row).toHaveAttribute('data-transport', transport.name)
    await row.getByTestId('ping-button').click()
    await expect(row.getByTestId('ping-result')).toHaveText(/^\d+ ms$/, { timeout: 15_000 })

    // Fetched whole (verified, stored, with the fetcher's re-asking of stalled blocks), through a
    // link naming Kubo at this transport's address, then read back from this browser.
    const sources = await openShared(page, `${appUrl}#/open?cid=${cid}&name=kubo.bin&addr=${encodeURIComponent(transport.addr())}`)
    await expect(sources('sharer')).toContainText(kubo.peerId.slice(-6))
    await expect(sources('sharer')).toContainText('Served 10.0 MiB')
    expect(await downloadShownDigest(page)).toBe(createHash('sha256').update(bytes).digest('hex'))
    // Kubo was the only peer: it sent every block, over this one connection.
    await page.goto(`${appUrl}#/peers`)
    await expect(page.getByTestId('peer-row')).toHaveCount(1)
    await expect(row).toHaveAttribute('data-transport', transport.name)

    // The other way: the browser adds a file only it holds, and Kubo's bitswap asks it for every block.
    const added = pseudoRandomBytes(10 * 1024 * 1024, 700 + i)
    await page.goto(`${appUrl}#/files`)
    await page.getByTestId('file-input').setInputFiles({ name: 'browser.bin', mimeType: 'application/octet-stream', buffer: added })
    const addedCid = await waitForImport(page, 'browser.bin')
    const fetched = await kubo.ipfs(['cat', '--timeout=90s', addedCid])
    expect(createHash('sha256').update(fetched).digest('hex')).toBe(createHash('sha256').update(added).digest('hex'))
    await page.goto(`${appUrl}#/peers`)
    await expect(page.getByTestId('peer-row')).toHaveCount(1)
    await expect(row).toHaveAttribute('data-transport', transport.name)
    await context.close()
  })
}
