/**
 * The browser node and Kubo over each transport a browser can dial: WebSocket,
 * WebTransport (certificate hashes) and WebRTC-direct. On each, alone: ping,
 * and a 10 MiB file Kubo added arrives with identical bytes.
 */
import { createHash } from 'node:crypto'
import { downloadDigest, openApp } from '../e2e/helpers/app.ts'
import { pseudoRandomBytes } from '../e2e/helpers/content.ts'
import { expect, test } from '../e2e/fixtures.ts'
import { KUBO_ADD_FLAGS, startKubo, type Kubo } from '../../scripts/kubo.js'

let kubo: Kubo
test.beforeAll(async ({ appUrl }) => { kubo = await startKubo(new URL(appUrl).origin) })
test.afterAll(async () => { await kubo?.stop() })

const TRANSPORTS = [
  { name: 'WebSocket', addr: () => kubo.addrs.ws },
  { name: 'WebTransport', addr: () => kubo.addrs.webtransport },
  { name: 'WebRTC direct', addr: () => kubo.addrs.webrtcDirect }
]

for (const [i, transport] of TRANSPORTS.entries()) {
  test(`over ${transport.name}: the browser dials Kubo, pings it and fetches 10 MiB Kubo added, identical`, async ({ browser, appUrl }) => {
    const bytes = pseudoRandomBytes(10 * 1024 * 1024, 600 + i)
    const cid = (await kubo.ipfs(['add', '-Q', ...KUBO_ADD_FLAGS], bytes)).toString().trim()
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

    expect(await downloadDigest(page, `/ipfs/${cid}`)).toBe(createHash('sha256').update(bytes).digest('hex'))
    // Kubo was the only peer: it sent every block, over this one connection.
    await page.goto(`${appUrl}#/peers`)
    await expect(page.getByTestId('peer-row')).toHaveCount(1)
    await expect(row).toHaveAttribute('data-transport', transport.name)
    await context.close()
  })
}
