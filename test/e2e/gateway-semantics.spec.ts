/**
 * The gateway's HTTP semantics (IPFS path, subdomain and trustless gateway
 * specs), asked for from a page of the content origin, so every answer
 * comes through the service worker from the node.
 */
import { sha256, sha512 } from 'multiformats/hashes/sha2'
import * as raw from 'multiformats/codecs/raw'
import { base32 } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import { openApp } from './helpers/app.ts'
import { addSite, startRecordedNetwork } from './helpers/gateway.ts'
import { expect, test } from './fixtures.ts'
import type { Page } from '@playwright/test'

let network: Awaited<ReturnType<typeof startRecordedNetwork>>
test.beforeEach(async () => { network = await startRecordedNetwork() })
test.afterEach(async () => { await network?.close() })

const HOSTILE_NAME = '<img src=x onerror="window.__pwned=1">.txt'

const SITE = {
  'hello.txt': 'hello, gateway\n',
  'docs/readme.md': '# docs\n',
  [`docs/${HOSTILE_NAME}`]: 'not markup\n',
  'docs/more/deep.txt': 'deep\n',
  'new.html': '<!doctype html><title>New</title><p id="moved">moved here</p>',
  '404.html': '<!doctype html><title>Missing</title><p id="custom-404">nothing here</p>',
  _redirects: '/old /new.html 301\n/wild/* /new.html 302\n'
}

interface Answer { status: number, headers: Record<string, string>, body: string, redirected: boolean, url: string, bytes: number }

async function ask (page: Page, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return await page.evaluate(async ({ path, headers: sent }) => {
    const response = await fetch(path, { headers: sent })
    const buffer = await response.arrayBuffer()
    const headers: Record<string, string> = {}
    response.headers.forEach((value, name) => { headers[name] = value })
    return {
      status: response.status,
      headers,
      body: new TextDecoder().decode(buffer),
      redirected: response.redirected,
      url: response.url,
      bytes: buffer.byteLength
    }
  }, { path, headers })
}

async function openSite (page: Page, appUrl: string, cid: string): Promise<string> {
  const origin = `http://${CID.parse(cid).toV1().toString(base32)}.ipfs.${new URL(appUrl).host}`
  await page.goto(`${appUrl}ipfs/${cid}/hello.txt`)
  await expect(page).toHaveURL(`${origin}/hello.txt`)
  await expect(page.locator('body')).toContainText('hello, gateway')
  return origin
}

test('files, ranges, ETags, formats, downloads, listings and _redirects follow the gateway specs', async ({ page, context }) => {
  await openApp(page, network.appUrl)
  const root = await addSite(page, 'semantics', SITE)
  const site = await context.newPage()
  await openSite(site, network.appUrl, root)

  // A file: its type, an immutable cache policy, its CID as ETag, and the roots it was reached through.
  const file = await ask(site, '/hello.txt')
  expect(file.status).toBe(200)
  expect(file.body).toBe('hello, gateway\n')
  expect(file.headers['content-type']).toMatch(/^text\/plain/)
  expect(file.headers['cache-control']).toContain('immutable')
  const etag = file.headers.etag
  expect(etag).toMatch(/^"bafk/)
  expect(file.headers['x-ipfs-path']).toBe(`/ipfs/${root}/hello.txt`)
  expect(file.headers['x-ipfs-roots']).toContain(CID.parse(root).toV1().toString())

  // The same ETag back: not modified.
  expect((await ask(site, '/hello.txt', { 'If-None-Match': etag })).status).toBe(304)

  // A byte range.
  const range = await ask(site, '/hello.txt', { Range: 'bytes=7-13' })
  expect(range.status).toBe(206)
  expect(range.body).toBe('gateway')
  expect(range.headers['content-range']).toBe('bytes 7-13/15')

  // The block itself, a CAR and a TAR, by ?format= and by Accept.
  const block = await ask(site, '/hello.txt?format=raw')
  expect(block.headers['content-type']).toBe('application/vnd.ipld.raw')
  expect(block.body).toBe('hello, gateway\n')
  const car = await ask(site, '/docs/', { Accept: 'application/vnd.ipld.car' })
  expect(car.status).toBe(200)
  expect(car.headers['content-type']).toMatch(/^application\/vnd\.ipld\.car/)
  expect(car.bytes).toBeGreaterThan(100)
  const tar = await ask(site, '/docs/?format=tar')
  expect(tar.headers['content-type']).toBe('application/x-tar')
  expect(tar.body).toContain('readme.md')

  // A download under a name of the caller's choosing.
  const download = await ask(site, '/hello.txt?filename=greeting.txt&download=true')
  expect(download.headers['content-disposition']).toMatch(/^attachment; filename="greeting\.txt"/)

  // A directory without index.html: an HTML listing, its names escaped, no script allowed.
  const listing = await ask(site, '/docs/')
  expect(listing.status).toBe(200)
  expect(listing.headers['content-type']).toBe('text/html; charset=utf-8')
  expect(listing.headers['content-security-policy']).toContain("default-src 'none'")
  expect(listing.body).toContain('&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;.txt')
  expect(listing.body).not.toContain('<img src=x')
  expect(listing.body).not.toMatch(/<script/i)
  await site.goto(`${new URL(site.url()).origin}/docs/`)
  await expect(site.getByRole('link', { name: HOSTILE_NAME })).toBeVisible()
  await expect(site.getByRole('link', { name: 'more', exact: true })).toBeVisible()
  expect(await site.evaluate(() => (window as any).__pwned)).toBeUndefined()
  await site.getByRole('link', { name: 'more', exact: true }).click()
  await expect(site.getByRole('link', { name: 'deep.txt' })).toBeVisible()
  await site.getByRole('link', { name: '..' }).click()
  await expect(site).toHaveURL(/\/docs\/$/)
  // Generated pages allow themselves no requests: ask from a plain file again.
  await site.goto(`${new URL(site.url()).origin}/hello.txt`)

  // A directory asked for without its slash is sent to it.
  const bare = await ask(site, '/docs')
  expect(bare.redirected).toBe(true)
  expect(new URL(bare.url).pathname).toBe('/docs/')

  // _redirects at the root: a 301 rule and a wildcard.
  const moved = await ask(site, '/old')
  expect(moved.redirected).toBe(true)
  expect(new URL(moved.url).pathname).toBe('/new.html')
  expect(moved.body).toContain('moved here')
  const wild = await ask(site, '/wild/anything')
  expect(new URL(wild.url).pathname).toBe('/new.html')

  // A path that is not there.
  expect((await ask(site, '/docs/nope.txt')).status).toBe(404)
})

test('malformed links get 400, a root too long for a subdomain gets 400, and content nobody has gets 504 with what was tried', async ({ page, context }) => {
  await openApp(page, network.appUrl, 'settings')
  await page.getByTestId('settings-fetch-timeout').fill('3')
  await page.getByTestId('settings-options').getByRole('button', { name: 'Save' }).click()
  await expect(page.getByTestId('settings-options')).toContainText('now 3 s')
  // From here the app origin's service worker answers /ipfs/ links (before, the boot document would).
  await page.evaluate(async () => { await navigator.serviceWorker.ready })

  const tab = await context.newPage()
  const bad = await tab.goto(`${network.appUrl}ipfs/not-a-cid/file.txt`)
  expect(bad?.status()).toBe(400)
  await expect(tab.locator('h1')).toContainText('400')
  await expect(tab.locator('body')).toContainText('"not-a-cid" is not a valid CID')

  // sha2-512 makes a CID longer than the 63 characters a DNS label holds.
  const long = CID.createV1(raw.code, await sha512.digest(new TextEncoder().encode('long')))
  const tooLong = await tab.goto(`${network.appUrl}ipfs/${long}`)
  expect(tooLong?.status()).toBe(400)
  await expect(tab.locator('body')).toContainText('DNS label length limit of 63')

  // A CID nobody has: the node asks everything it knows, then gives up with 504.
  const nowhere = CID.createV1(raw.code, await sha256.digest(new TextEncoder().encode(`nobody has this ${Date.now()}`)))
  const started = Date.now()
  // The first visit of this origin boots its service worker, then asks the node.
  await tab.goto(`${network.appUrl}ipfs/${nowhere}`)
  await expect(tab.locator('h1')).toContainText('504', { timeout: 30_000 })
  expect(Date.now() - started).toBeLessThan(30_000)
  // The page allows itself no requests (its CSP): its status shows on a reload.
  expect((await tab.reload())?.status()).toBe(504)
  await expect(tab.locator('body')).toContainText('did not arrive within 3 s')
  await expect(tab.locator('li')).toContainText(['The blocks stored in this browser', /connected peer/, '1 delegate router', '1 trustless gateway'])
  await expect(tab.getByTestId('gateway-retry')).toBeVisible()

  // A malformed path on a content origin.
  const broken = await tab.goto(`${new URL(tab.url()).origin}/%E0%A4%A`)
  expect(broken?.status()).toBe(400)
  await expect(tab.locator('body')).toContainText('not valid percent-encoding')
})
