import { chromium } from '@playwright/test'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { importer } from 'ipfs-unixfs-importer'
import { IMPORT_OPTIONS } from '../../src/lib/import-profile.ts'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/chromium.js'
import { startLocalNetwork } from '../../scripts/local-network.js'
import { pseudoRandomBytes, sha256, tempDir } from './helpers/content.ts'
import { downloadDigest, openApp, waitForImport } from './helpers/app.ts'
import { startNetwork, type LocalNetwork } from './helpers/network.ts'
import { expect, test } from './fixtures.ts'

let network: LocalNetwork

test.beforeEach(async () => { network = await startNetwork() })
test.afterEach(async () => { await network.close() })

test('an added file is preloaded to the infra node, which then serves every block, also to a browser that never saw the sharer', async ({ browser }) => {
  const bytes = pseudoRandomBytes(10 * 1024 * 1024, 31)
  const blocks = new MemoryBlockstore()
  let root = ''
  for await (const entry of importer([{ content: bytes }], blocks, { ...IMPORT_OPTIONS })) root = entry.cid.toString()

  const a = await browser.newContext()
  const pageA = await a.newPage()
  await openApp(pageA, network.appUrl)
  await expect(pageA.getByTestId('node-status')).toContainText('1 peer')
  await pageA.getByTestId('file-input').setInputFiles({ name: 'ten.bin', mimeType: 'application/octet-stream', buffer: bytes })
  expect(await waitForImport(pageA, 'ten.bin')).toBe(root)
  await expect(pageA.getByTestId('preload-status')).toHaveText(/preload 127\.0\.0\.1:\d+: done/, { timeout: 60_000 })
  await a.close()

  for await (const { cid, bytes: expected } of blocks.getAll()) {
    const response = await fetch(`${network.infra.httpUrl}/ipfs/${cid}?format=raw`)
    expect(response.status).toBe(200)
    const chunks: Uint8Array[] = []
    for await (const chunk of expected) chunks.push(chunk)
    expect(Buffer.from(await response.arrayBuffer()).equals(Buffer.concat(chunks))).toBe(true)
  }

  // A fresh browser finds the content through the infra node alone.
  const c = await browser.newContext()
  const pageC = await c.newPage()
  await openApp(pageC, network.appUrl)
  expect(await downloadDigest(pageC, `/ipfs/${root}`)).toBe(sha256(bytes))
  await c.close()
})

test('the node reserves a relay slot and advertises its /p2p-circuit address', async ({ page }) => {
  await openApp(page, network.appUrl, 'node')
  await expect(page.getByTestId('advertised-addrs')).toContainText(`/p2p/${network.infra.peerId}/p2p-circuit/p2p/`, { timeout: 20_000 })
})

test('the infra node killed and restarted: the UI shows the outage and the node reconnects within 10 s', async ({ page }) => {
  await openApp(page, network.appUrl)
  await expect(page.getByTestId('node-status')).toContainText('1 peer')
  await network.stopInfra(true)
  await expect(page.getByTestId('node-status')).toContainText('offline · reconnecting')
  await page.goto(`${network.appUrl}#/node`)
  await expect(page.getByTestId('bootstrap-states')).toContainText('retrying')
  await network.startInfra()
  await expect(page.getByTestId('node-status')).toContainText('1 peer', { timeout: 10_000 })
  await expect(page.getByTestId('bootstrap-states')).toContainText('connected')
})

test('with a certificate the infra node also listens on secure WebSockets, and a browser trusting it connects over wss', async () => {
  const secure = await startLocalNetwork({ infraDataDir: await tempDir('pollen-infra-tls-'), secureWebSockets: true })
  // The certificate is self-signed: this browser is told to trust its key, as a real one would trust a CA.
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, `--ignore-certificate-errors-spki-list=${secure.certificateSpki}`] })
  try {
    const page = await browser.newPage()
    await openApp(page, secure.appUrl, 'peers')
    const row = page.getByTestId('peer-row').filter({ hasText: secure.infra.peerId })
    await expect(row).toContainText('secure WebSocket', { timeout: 10_000 })
    await expect(row).toContainText('/tls/ws')
    await page.goto(`${secure.appUrl}#/node`)
    await expect(page.getByTestId('bootstrap-states')).toContainText('/tls/ws/')
    await expect(page.getByTestId('bootstrap-states')).toContainText('connected')
  } finally {
    await browser.close()
    await secure.close()
  }
})
