/**
 * /ipns/ names through the gateway: an IPNS key whose signed record the
 * infra node's delegated routing (/routing/v1/ipns) hands out, and a DNSLink
 * domain looked up through a DNS-over-HTTPS resolver set in Settings.
 */
import { createServer } from 'node:http'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createIPNSRecord, marshalIPNSRecord } from 'ipns'
import { base36 } from 'multiformats/bases/base36'
import { addSettingsEntry, openApp } from './helpers/app.ts'
import { addSite, startDohServer, startRecordedNetwork } from './helpers/gateway.ts'
import { expect, test } from './fixtures.ts'
import type { Page } from '@playwright/test'

let network: Awaited<ReturnType<typeof startRecordedNetwork>>
test.beforeEach(async () => { network = await startRecordedNetwork() })
test.afterEach(async () => { await network?.close() })

const SITE = { 'index.html': '<!doctype html><title>Named</title><h1 id="named">reached by name</h1>' }

async function addNamedSite (page: Page): Promise<string> {
  await openApp(page, network.appUrl)
  return await addSite(page, 'named', SITE)
}

test('an IPNS name resolves through delegated routing to a verified record and opens at its origin', async ({ page, context }) => {
  const cid = await addNamedSite(page)
  const key = await generateKeyPair('Ed25519')
  const name = peerIdFromPrivateKey(key).toCID().toString(base36)
  const record = await createIPNSRecord(key, `/ipfs/${cid}`, 1n, 60 * 60 * 1000)
  const put = await fetch(`${network.infra.httpUrl}/routing/v1/ipns/${name}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/vnd.ipfs.ipns-record' },
    body: Buffer.from(marshalIPNSRecord(record))
  })
  expect(put.status).toBeLessThan(300)
  // The infra node keeps it and hands it out.
  expect((await fetch(`${network.infra.httpUrl}/routing/v1/ipns/${name}`, { headers: { Accept: 'application/vnd.ipfs.ipns-record' } })).status).toBe(200)

  const tab = await context.newPage()
  await tab.goto(`${network.appUrl}ipns/${name}/`)
  await expect(tab.locator('#named')).toHaveText('reached by name', { timeout: 60_000 })
  expect(new URL(tab.url()).hostname).toBe(`${name}.ipns.${new URL(network.appUrl).hostname}`)
  expect(network.infraLog.some(line => line.includes(`/routing/v1/ipns/${name}`))).toBe(true)
})

test('a DNSLink domain resolves through the DNS-over-HTTPS resolver set in Settings', async ({ page, context }) => {
  const cid = await addNamedSite(page)
  const doh = await startDohServer({ '_dnslink.docs.pollen.test': [{ type: 16, data: `"dnslink=/ipfs/${cid}"` }] })
  try {
    await page.goto(`${network.appUrl}#/settings`)
    await addSettingsEntry(page, 'dnsResolvers', doh.url)
    const resolvers = page.getByTestId('settings-dnsResolvers')
    await expect(resolvers.getByRole('listitem').filter({ hasText: doh.url })).toHaveCount(1)
    for (const other of await resolvers.getByRole('listitem').filter({ hasNotText: doh.url }).all()) {
      await other.getByRole('button').click()
    }
    await expect(resolvers.getByRole('listitem')).toHaveCount(1)
    await expect(page.getByTestId('node-status')).toContainText('started')

    const tab = await context.newPage()
    await tab.goto(`${network.appUrl}ipns/docs.pollen.test/`)
    await expect(tab.locator('#named')).toHaveText('reached by name', { timeout: 60_000 })
    expect(new URL(tab.url()).hostname).toBe(`docs-pollen-test.ipns.${new URL(network.appUrl).hostname}`)
    expect(doh.asked).toContain('_dnslink.docs.pollen.test')
  } finally {
    doh.server.close()
  }
})

test('a record for an IPNS name signed by another key is refused, and nothing of it is shown', async ({ page, context }) => {
  const cid = await addNamedSite(page)
  const owner = await generateKeyPair('Ed25519')
  const forger = await generateKeyPair('Ed25519')
  const name = peerIdFromPrivateKey(owner).toCID().toString(base36)
  const forged = marshalIPNSRecord(await createIPNSRecord(forger, `/ipfs/${cid}`, 1n, 60 * 60 * 1000))
  // A delegated router that lies: it answers for the owner's name with the forger's record.
  let asked = 0
  const liar = createServer((req, res) => {
    // Asked for under any spelling of the name (the client writes it in base32).
    if (req.url?.startsWith('/routing/v1/ipns/') === true) {
      asked++
      res.writeHead(200, { 'Content-Type': 'application/vnd.ipfs.ipns-record', 'Access-Control-Allow-Origin': '*' })
      res.end(forged)
      return
    }
    res.writeHead(404, { 'Access-Control-Allow-Origin': '*' })
    res.end()
  })
  await new Promise<void>(resolve => liar.listen(0, '127.0.0.1', resolve))
  const address = liar.address()
  if (address == null || typeof address === 'string') throw new Error('no address')
  try {
    await page.goto(`${network.appUrl}#/settings`)
    await page.getByTestId('settings-fetch-timeout').fill('5')
    await page.getByTestId('settings-options').getByRole('button', { name: 'Save' }).click()
    await expect(page.getByTestId('settings-options')).toContainText('now 5 s')
    await addSettingsEntry(page, 'delegates', `http://127.0.0.1:${address.port}`)
    const delegates = page.getByTestId('settings-delegates')
    await delegates.getByRole('listitem').filter({ hasNotText: `127.0.0.1:${address.port}` }).getByRole('button').click()
    await expect(delegates.getByRole('listitem')).toHaveCount(1)
    await expect(page.getByTestId('node-status')).toContainText('started')

    const tab = await context.newPage()
    await tab.goto(`${network.appUrl}ipns/${name}/`)
    await expect(tab.locator('h1')).toContainText('502 · Record failed verification', { timeout: 60_000 })
    await expect(tab.locator('body')).toContainText('not signed by the name\'s key')
    await expect(tab.locator('#named')).toHaveCount(0)
    expect(asked).toBeGreaterThan(0)
  } finally {
    liar.close()
  }
})
