/**
 * The service-worker gateway in Firefox, which ends the node with the last page
 * holding it: content pages hold it themselves (src/bridge/holder.ts).
 */
import { base32 } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import { expect, test } from '../e2e/fixtures.ts'
import { STATIC_SITE, startRecordedNetwork } from '../e2e/helpers/gateway.ts'
import { folderCar } from './helpers/car.ts'
import { contentFrame, importCar, launchFirefox, openApp, type Firefox } from './helpers/firefox.ts'

let network: Awaited<ReturnType<typeof startRecordedNetwork>>
let firefox: Firefox
test.beforeAll(async () => { network = await startRecordedNetwork() })
test.afterAll(async () => { await network?.close() })
test.beforeEach(async () => { firefox = await launchFirefox() })
test.afterEach(async () => { await firefox?.close() })

function contentHost (cid: string): string {
  return `${CID.parse(cid).toV1().toString(base32)}.ipfs.${new URL(network.appUrl).host}`
}

/** Adds `files` as a folder through Import CAR in a new app tab; returns the tab and the root. */
async function appWithSite (name: string, files: Record<string, string | Uint8Array>) {
  const app = await firefox.context.newPage()
  await openApp(app, network.appUrl)
  const car = await folderCar(name, files)
  await importCar(app, car.path, car.cid)
  return { app, cid: car.cid }
}

test('Firefox: a static site opens at its own origin, every subresource from the service worker, and its script cannot reach the app', async () => {
  const { cid } = await appWithSite('site', STATIC_SITE)
  const host = contentHost(cid)
  const site = await firefox.context.newPage()
  await site.goto(`${network.appUrl}ipfs/${cid}/`)
  const content = await contentFrame(site)
  await content.waitForSelector('#title')
  expect(site.url()).toBe(`http://${host}/`)
  // The holder takes the content's title once the frame has loaded, which is after #title is there.
  await expect.poll(async () => await site.title()).toBe('Static site on IPFS')
  // The stylesheet may still be on its way when #title is parsed.
  await expect.poll(async () => await content.$eval('#title', element => getComputedStyle(element).color)).toBe('rgb(200, 30, 40)')
  await expect.poll(async () => await content.$eval('#logo', element => (element as HTMLImageElement).naturalWidth)).toBe(2)

  await expect.poll(async () => await content.$eval('#report', element => element.textContent), { timeout: 30_000 }).toContain('{')
  const report = JSON.parse((await content.$eval('#report', element => element.textContent))!)
  expect(report.origin).toBe(`http://${host}`)
  expect(report.appStorage).toEqual({ outcome: 'refused', error: 'SecurityError' })
  expect(report.filesList).toEqual({ outcome: 'refused', error: 'Unknown method files.list' })
  expect(report.configSet).toEqual({ outcome: 'refused', error: 'Unknown method config.set' })
  expect(report.read).toEqual({ outcome: 'answered', status: 200 })
  expect(report.otherRoot).toEqual({ outcome: 'answered', status: 403 })

  // A link inside the site: the address bar and the title follow it.
  await content.click('a[href="sub/page.html"]')
  await expect.poll(() => site.url()).toBe(`http://${host}/sub/page.html`)
  await expect.poll(async () => await site.title()).toBe('Sub page')
  expect(await (await contentFrame(site)).$eval('#sub', element => element.textContent)).toBe('a page in a subfolder')

  // The static server saw the boot of the content origin, never the site's own files.
  const siteFiles = ['/index.html', '/css/style.css', '/js/app.js', '/img/logo.png', '/sub/page.html']
  expect(network.requests.filter(r => r.host === host && siteFiles.includes(r.path))).toEqual([])
})

const COLD_SITE = { 'index.html': '<!doctype html><title>Cold</title><h1 id="cold">cold start works</h1>', 'notes/a.txt': 'a note\n' }

test('Firefox: with every tab closed, so the node ended, an /ipfs/ link boots the node and shows the content', async () => {
  const { app, cid } = await appWithSite('cold', COLD_SITE)
  const first = await firefox.context.newPage()
  await first.goto(`${network.appUrl}ipfs/${cid}/`)
  await (await contentFrame(first)).waitForSelector('#cold')
  await first.close()
  await app.close()

  const later = await firefox.context.newPage()
  const served = network.requests.length
  await later.goto(`${network.appUrl}ipfs/${cid}/`)
  const content = await contentFrame(later)
  await content.waitForSelector('#cold', { timeout: 30_000 })
  expect(await content.$eval('#cold', element => element.textContent)).toBe('cold start works')
  // Both service workers answered every navigation: the redirect, the boot document and the content.
  expect(network.requests.slice(served).filter(r => r.navigation)).toEqual([])
})

test('Firefox: a content page still loads new subresources 40 s after every app tab closed', async () => {
  test.setTimeout(180_000)
  const files = { 'index.html': '<!doctype html><title>Idle</title><p id="idle">idle page</p>', 'later/a.txt': 'asked for late\n', 'later/b.txt': 'asked for later\n' }
  const { app, cid } = await appWithSite('idle', files)
  const site = await firefox.context.newPage()
  await site.goto(`${network.appUrl}ipfs/${cid}/`)
  const content = await contentFrame(site)
  await content.waitForSelector('#idle')
  await app.close()
  const read = async (path: string): Promise<string> => await content.evaluate(async path => {
    const response = await fetch(path)
    return `${response.status} ${await response.text()}`
  }, path)
  // Before this change Firefox ended the node with the boot document and this was a 503.
  expect(await read('later/a.txt')).toBe('200 asked for late\n')
  // Longer than a service worker lives idle (30 s): the worker may have been restarted without a port.
  await new Promise(resolve => setTimeout(resolve, 40_000))
  expect(await read('later/b.txt')).toBe('200 asked for later\n')
})
