import { chromium } from '@playwright/test'
import { peerIdFromCID } from '@libp2p/peer-id'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { CID } from 'multiformats/cid'
import { importer } from 'ipfs-unixfs-importer'
import { IMPORT_OPTIONS } from '../../src/lib/import-profile.ts'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../scripts/chromium.js'
import { startLocalNetwork } from '../../scripts/local-network.js'
import { pseudoRandomBytes, sha256, tempDir } from './helpers/content.ts'
import { downloadDigest, openApp, peerId, waitForImport } from './helpers/app.ts'
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

test('the node reserves a relay slot, advertises its /p2p-circuit address and shows the reservation\'s expiry', async ({ page }) => {
  await openApp(page, network.appUrl, 'node')
  await expect(page.getByTestId('advertised-addrs')).toContainText(`/p2p/${network.infra.peerId}/p2p-circuit/p2p/`, { timeout: 20_000 })
  // The reservation behind it, with its expiry as the relay stated it.
  const slot = page.locator(`[data-testid="relay-reservation"][data-relay="${network.infra.peerId}"]`)
  await expect(slot).toContainText(/expires .* \(in \d+ (min|h)/)
  await expect(page.getByTestId('reach-summary')).toContainText('1 open: 0 inbound')
  await expect(page.locator(`[data-testid="reach-connection"][data-peer="${network.infra.peerId}"]`)).toHaveAttribute('data-direction', 'outbound')
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
    // libp2p's connection monitor pings every 10 s; the latency column shows what it measured.
    await expect(row).toContainText(/\d+ ms/, { timeout: 20_000 })
    await page.goto(`${secure.appUrl}#/node`)
    await expect(page.getByTestId('bootstrap-states')).toContainText('/tls/ws/')
    await expect(page.getByTestId('bootstrap-states')).toContainText('connected')
  } finally {
    await browser.close()
    await secure.close()
  }
})

test('with DHT announcing on, an added file is announced in client mode and the infra node then names this browser as a provider', async ({ page }) => {
  await openApp(page, network.appUrl, 'settings')
  await page.getByTestId('settings-dht').check()
  await expect(page.getByTestId('settings-dht')).toBeChecked()
  // The box is ticked at the click; the network restarts with the setting a moment later.
  await page.goto(`${network.appUrl}#/node`)
  await expect(page.getByTestId('node-screen')).toHaveAttribute('data-starts', '2', { timeout: 30_000 })
  await expect(page.getByTestId('node-status')).toContainText('1 peer')
  const me = await peerId(page)
  await page.goto(`${network.appUrl}#/files`)
  await page.getByTestId('file-input').setInputFiles({ name: 'announced.txt', mimeType: 'text/plain', buffer: Buffer.from(`announced by ${me}`) })
  const root = await waitForImport(page, 'announced.txt')
  await expect(page.getByTestId('dht-status')).toHaveText('DHT: done', { timeout: 60_000 })
  // ADD_PROVIDER has no answer in the DHT protocol: 'done' means sent, and the
  // infra node stores the record when it has read the message.
  await expect.poll(async () => {
    const response = await fetch(`${network.infra.httpUrl}/routing/v1/providers/${root}`)
    const { Providers } = await response.json() as { Providers: Array<{ ID: string }> }
    // The API may name peers as base58 keys or as libp2p-key CIDs: both are peer IDs.
    return Providers.map(p => p.ID.startsWith('b') ? peerIdFromCID(CID.parse(p.ID)).toString() : p.ID)
  }, { timeout: 30_000 }).toContain(me)
})
