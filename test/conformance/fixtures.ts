/**
 * The suite's fixtures, put where a Pollen finds them: CAR files imported
 * through the node (Import CAR on the Files screen), IPNS records through the
 * infra node's delegated routing API, DNSLink names through a DNS-over-HTTPS
 * server set in Settings.
 */
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import { base36 } from 'multiformats/bases/base36'
import { CID } from 'multiformats/cid'
import { expect, type BrowserContext, type Page } from '@playwright/test'
import { addSettingsEntry, openApp } from '../e2e/helpers/app.ts'

export interface Fixtures {
  cars: string[]
  ipnsRecords: Array<{ name: string, file: string }>
  /** DNSLink domain → the path it links to. */
  dnslinks: Record<string, string>
}

/** The fixtures as `gateway-conformance extract-fixtures --merged=false` writes them. */
export async function readFixtures (dir: string): Promise<Fixtures> {
  const files = (await readdir(dir)).sort()
  const dnslinks = JSON.parse(await readFile(join(dir, 'dnslinks.json'), 'utf8')) as { domains: Record<string, string> }
  return {
    cars: files.filter(file => file.endsWith('.car')).map(file => join(dir, file)),
    // Named <name>_<what>_<n>.ipns-record: the name is what comes before the first underscore.
    ipnsRecords: files.filter(file => file.endsWith('.ipns-record')).map(file => ({ name: file.split('_')[0], file: join(dir, file) })),
    dnslinks: dnslinks.domains
  }
}

/** An IPNS name as the routing API's path takes it: a libp2p-key CID (peer IDs written as multihashes are converted). */
function routingName (name: string): string {
  try {
    return CID.parse(name, base36).toString(base36)
  } catch {
    return peerIdFromString(name).toCID().toString(base36)
  }
}

/** PUTs every record; returns those the routing API refused (a record with a broken signature is, by design). */
export async function putIpnsRecords (routingUrl: string, records: Fixtures['ipnsRecords']): Promise<Array<{ name: string, status: number }>> {
  const refused: Array<{ name: string, status: number }> = []
  for (const record of records) {
    const response = await fetch(`${routingUrl}/routing/v1/ipns/${routingName(record.name)}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/vnd.ipfs.ipns-record' },
      body: await readFile(record.file)
    })
    await response.body?.cancel()
    if (!response.ok) refused.push({ name: record.file.split('/').at(-1)!, status: response.status })
  }
  return refused
}

/** The TXT records a DNS-over-HTTPS server answers for the DNSLink names. */
export function dnslinkRecords (dnslinks: Fixtures['dnslinks']): Record<string, Array<{ type: number, data: string }>> {
  return Object.fromEntries(Object.entries(dnslinks).map(([domain, path]) => [`_dnslink.${domain}`, [{ type: 16, data: `"dnslink=${path}"` }]]))
}

export interface PollenSetup {
  appUrl: string
  mode: 'path' | 'subdomain'
  dohUrl: string
  /** How long the gateway looks for content before it answers 504. */
  fetchTimeoutSeconds: number
  cars: string[]
}

/** Sets up the Pollen of `page`'s browser context as a person would, and imports the CAR fixtures. */
export async function preparePollen (page: Page, setup: PollenSetup): Promise<void> {
  await openApp(page, setup.appUrl, 'settings')
  if (setup.mode === 'path') {
    await page.getByTestId('gateway-mode-path').check()
    await expect(page.getByTestId('gateway-mode-path')).toBeChecked()
  }
  await page.getByTestId('settings-fetch-timeout').fill(String(setup.fetchTimeoutSeconds))
  await page.getByTestId('settings-options').getByRole('button', { name: 'Save' }).click()
  await expect(page.getByTestId('settings-options')).toContainText(`now ${setup.fetchTimeoutSeconds} s`)
  await addSettingsEntry(page, 'dnsResolvers', setup.dohUrl)
  const resolvers = page.getByTestId('settings-dnsResolvers')
  await expect(resolvers.getByRole('listitem').filter({ hasText: setup.dohUrl })).toHaveCount(1)
  for (const other of await resolvers.getByRole('listitem').filter({ hasNotText: setup.dohUrl }).all()) {
    await other.getByRole('button').click()
  }
  await expect(resolvers.getByRole('listitem')).toHaveCount(1)

  await page.goto(`${setup.appUrl}#/files`)
  await page.getByTestId('car-input').setInputFiles(setup.cars)
  const jobs = page.getByTestId('import-job')
  await expect(jobs).toHaveCount(setup.cars.length)
  await expect(page.locator('[data-testid="import-job"].running')).toHaveCount(0, { timeout: 120_000 })
  const failed = await page.locator('[data-testid="import-job"]:not(.done)').allInnerTexts()
  expect(failed, 'every CAR fixture imports').toEqual([])
}

/**
 * Path mode shows a page only from a root the person trusted; the suite's
 * requests stand for a person who trusts every root it opens. When the
 * gateway answers "Not trusted yet", this follows its trust link in the app
 * and confirms, as that person would.
 */
export async function trustFromRefusal (context: BrowserContext, appUrl: string, refusalPage: string): Promise<boolean> {
  const href = /href="([^"]+)" data-testid="trust-link"/.exec(refusalPage)?.[1]?.replaceAll('&amp;', '&')
  if (href == null) return false
  const page = await context.newPage()
  try {
    await page.goto(new URL(href, appUrl).href)
    await page.getByTestId('trust-confirm').click()
    // Trusted once the app opens the page it was asked for.
    await page.waitForURL(url => url.hash === '')
    return true
  } finally {
    await page.close()
  }
}
