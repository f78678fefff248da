/**
 * A provider record that names an HTTP gateway inside the user's network:
 * with private addresses off (the public default), the gateway never sends
 * it a request, even when the record names it by a DNS name that resolves to
 * loopback; with the setting on (local deployments), it does.
 */
import { createServer, type Server } from 'node:http'
import { sha256 } from 'multiformats/hashes/sha2'
import * as raw from 'multiformats/codecs/raw'
import { CID } from 'multiformats/cid'
import { addSettingsEntry, openApp } from './helpers/app.ts'
import { startDohServer } from './helpers/gateway.ts'
import { expect, test } from './fixtures.ts'
import type { Page } from '@playwright/test'

const PROVIDER_ID = '12D3KooWGwHEM56eqvsw9cqanuGCev26PzNJji4zSM7NJKWwwzdK'
const GATEWAY_NAME = 'gw.pollen.localhost'

async function listen (server: Server): Promise<number> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address == null || typeof address === 'string') throw new Error('no address')
  return address.port
}

/** A trustless gateway on loopback that has nothing and notes every path it is asked for. */
async function startLanGateway (): Promise<{ port: number, asked: string[], server: Server }> {
  const asked: string[] = []
  const server = createServer((req, res) => {
    asked.push(req.url ?? '')
    res.writeHead(404, { 'Access-Control-Allow-Origin': '*' })
    res.end()
  })
  return { port: await listen(server), asked, server }
}

/** A delegated router that names, for every CID, one provider: the gateway at `addr`. */
async function startRouter (addr: string): Promise<{ url: string, server: Server }> {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*' })
    res.end(req.url?.startsWith('/routing/v1/providers/') === true
      ? JSON.stringify({ Providers: [{ Schema: 'peer', ID: PROVIDER_ID, Addrs: [addr], Protocols: ['transport-ipfs-gateway-http'] }] })
      : JSON.stringify({ Providers: [] }))
  })
  return { url: `http://127.0.0.1:${await listen(server)}`, server }
}

async function missingCid (label: string): Promise<string> {
  return CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(`${label} ${Date.now()}`))).toString()
}

/** Sets the private-addresses box in Settings and waits for the network's restart with it (the Node screen's start count). */
async function setPrivateAddresses (page: Page, appUrl: string, on: boolean): Promise<void> {
  await page.goto(`${appUrl}#/node`)
  const starts = Number(await page.getByTestId('node-screen').getAttribute('data-starts'))
  await page.goto(`${appUrl}#/settings`)
  const box = page.getByTestId('settings-private-addresses')
  if (on) await box.check()
  else await box.uncheck()
  await page.goto(`${appUrl}#/node`)
  await expect(page.getByTestId('node-screen')).toHaveAttribute('data-starts', String(starts + 1), { timeout: 30_000 })
}

test('a provider record naming a gateway in the user\'s network is not followed unless private addresses are allowed', async ({ page, context, appUrl }) => {
  const gateway = await startLanGateway()
  const router = await startRouter(`/dns4/${GATEWAY_NAME}/tcp/${gateway.port}/http`)
  const doh = await startDohServer({ [GATEWAY_NAME]: [{ type: 1, data: '127.0.0.1' }] })
  try {
    await openApp(page, appUrl, 'settings')
    await addSettingsEntry(page, 'delegates', router.url)
    await addSettingsEntry(page, 'dnsResolvers', doh.url)
    // A plain-http gateway in the list lets plain-http providers through Helia's own filter.
    await addSettingsEntry(page, 'gateways', 'http://gateway.invalid')
    await page.getByTestId('settings-fetch-timeout').fill('5')
    await page.getByTestId('settings-options').getByRole('button', { name: 'Save' }).click()
    await expect(page.getByTestId('settings-options')).toContainText('now 5 s')
    await setPrivateAddresses(page, appUrl, false)
    await page.evaluate(async () => { await navigator.serviceWorker.ready })

    const tab = await context.newPage()
    await tab.goto(`${appUrl}ipfs/${await missingCid('off')}`)
    // The node gives up (504, or 502 once every source it knows has failed).
    await expect(tab.locator('h1')).toContainText(/50[24]/, { timeout: 60_000 })
    // The name was looked up, found to be loopback, and the gateway never asked.
    expect(doh.asked).toContain(GATEWAY_NAME)
    expect(gateway.asked).toEqual([])

    // Allowed, the same record is followed: the test above could have failed.
    await setPrivateAddresses(page, appUrl, true)
    const wanted = await missingCid('on')
    await tab.goto(`${appUrl}ipfs/${wanted}`)
    // The node gives up (504, or 502 once every source it knows has failed).
    await expect(tab.locator('h1')).toContainText(/50[24]/, { timeout: 60_000 })
    expect(gateway.asked.some(path => path.includes(wanted))).toBe(true)
  } finally {
    for (const server of [gateway.server, router.server, doh.server]) server.close()
  }
})
