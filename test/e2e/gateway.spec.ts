import { base32 } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import { openApp, waitForImport } from './helpers/app.ts'
import { STATIC_SITE, addSite, recordNavigations, startRecordedNetwork, testVideo } from './helpers/gateway.ts'
import { SharedWorkerProbe } from './helpers/shared-worker.ts'
import { expect, test } from './fixtures.ts'

let network: Awaited<ReturnType<typeof startRecordedNetwork>>
test.beforeEach(async () => { network = await startRecordedNetwork() })
test.afterEach(async () => { await network?.close() })

function contentHost (cid: string, appUrl: string): string {
  return `${CID.parse(cid).toV1().toString(base32)}.ipfs.${new URL(appUrl).host}`
}

test('a static site opens at its own origin, every subresource from the service worker, and its script cannot reach the app', async ({ page, context }) => {
  await openApp(page, network.appUrl)
  const cid = await addSite(page, 'site', STATIC_SITE)
  const host = contentHost(cid, network.appUrl)

  const site = await context.newPage()
  const fromWorker = new Map<string, boolean>()
  site.on('response', response => { fromWorker.set(new URL(response.url()).pathname, response.fromServiceWorker()) })
  await site.goto(`${network.appUrl}ipfs/${cid}/`)
  await expect(site).toHaveURL(`http://${host}/`)
  await expect(site.locator('#title')).toHaveText('Hello from IPFS')
  await expect(site.locator('#title')).toHaveCSS('color', 'rgb(200, 30, 40)')
  expect(await site.locator('#logo').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(2)

  await expect(site.locator('#report')).toContainText('{', { timeout: 30_000 })
  const report = JSON.parse(await site.locator('#report').innerText())
  // The script ran, in the content's own origin.
  expect(report.origin).toBe(`http://${host}`)
  expect(report.scriptRan).toBe(true)
  // The app's storage is another origin's: not in its databases, not readable through a frame.
  expect(report.ownDatabases).not.toContain('pollen-data')
  expect(report.ownDatabases).not.toContain('pollen-blockstore')
  expect(report.appStorage).toEqual({ outcome: 'refused', error: 'SecurityError' })
  // Through the bridge it can read content and nothing else.
  expect(report.filesList).toEqual({ outcome: 'refused', error: 'Unknown method files.list' })
  expect(report.configSet).toEqual({ outcome: 'refused', error: 'Unknown method config.set' })
  expect(report.keysViaProto).toEqual({ outcome: 'refused', error: 'Unknown method toString' })
  expect(report.read).toEqual({ outcome: 'answered', status: 200 })
  expect(report.otherRoot).toEqual({ outcome: 'answered', status: 403 })

  // A page in a subfolder, by a link.
  await site.locator('a[href="sub/page.html"]').click()
  await expect(site.locator('#sub')).toHaveText('a page in a subfolder')

  // The static server saw the boot of the content origin, never the site's own files.
  const siteFiles = ['/', '/index.html', '/css/style.css', '/js/app.js', '/img/logo.png', '/sub/page.html']
  const seen = network.requests.filter(r => r.host === host).map(r => r.path)
  expect(seen.filter(path => siteFiles.includes(path) && path !== '/')).toEqual([])
  // The first navigation to / reached it (and got the boot document); the reload did not.
  expect(seen.filter(path => path === '/')).toHaveLength(1)
  for (const path of siteFiles.slice(2)) expect(fromWorker.get(path), path).toBe(true)
})

const COLD_SITE = { 'index.html': '<!doctype html><title>Cold</title><h1 id="cold">cold start works</h1>', 'notes/a.txt': 'a note\n' }

test('with every tab closed and the node stopped, an /ipfs/ link boots the node and shows the content after one reload', async ({ page, context, browser }) => {
  await openApp(page, network.appUrl)
  const cid = await addSite(page, 'cold', COLD_SITE)
  const host = contentHost(cid, network.appUrl)
  // Visited once, so both origins have their service worker installed.
  const first = await context.newPage()
  await first.goto(`${network.appUrl}ipfs/${cid}/`)
  await expect(first.locator('#cold')).toHaveText('cold start works')
  await first.close()
  await page.close()
  await SharedWorkerProbe.stopAll(browser)
  await expect.poll(async () => (await SharedWorkerProbe.sharedWorkers(browser)).length).toBe(0)

  const later = await context.newPage()
  const documents = recordNavigations(later)
  const served = network.requests.length
  await later.goto(`${network.appUrl}ipfs/${cid}/`)
  await expect(later.locator('#cold')).toHaveText('cold start works', { timeout: 30_000 })
  // The boot document, then the content: one reload.
  expect(documents.filter(url => url.startsWith(`http://${host}/`))).toHaveLength(2)
  // Both service workers answered every navigation: the redirect, the boot document and the content.
  expect(network.requests.slice(served).filter(r => r.navigation)).toEqual([])
})

test('in a fresh profile an /ipfs/ link shows the content after at most one reload', async ({ browser }) => {
  const a = await browser.newContext()
  const pageA = await a.newPage()
  await openApp(pageA, network.appUrl)
  await expect(pageA.getByTestId('node-status')).toContainText('1 peer')
  const cid = await addSite(pageA, 'cold', COLD_SITE)
  await expect(pageA.getByTestId('preload-status')).toHaveText(/preload 127\.0\.0\.1:\d+: done/, { timeout: 60_000 })
  await a.close()

  const fresh = await browser.newContext()
  const page = await fresh.newPage()
  const documents = recordNavigations(page)
  await page.goto(`${network.appUrl}ipfs/${cid}/`)
  await expect(page.locator('#cold')).toHaveText('cold start works', { timeout: 60_000 })
  const host = contentHost(cid, network.appUrl)
  expect(documents.filter(url => url.startsWith(`http://${host}/`)).length).toBeLessThanOrEqual(2)
  await page.goto(`http://${host}/notes/`)
  await expect(page.getByRole('link', { name: 'a.txt' })).toBeVisible()
  await fresh.close()
})

test('a 50 MiB MP4 plays and seeks in a video element, in 206 partial responses from the service worker', async ({ page, context }) => {
  const video = await testVideo()
  await openApp(page, network.appUrl)
  await page.getByTestId('file-input').setInputFiles(video)
  const cid = await waitForImport(page, 'test-50mib.mp4')

  const player = await context.newPage()
  const partial: Array<{ status: number, range: string, fromWorker: boolean }> = []
  player.on('response', response => {
    if (response.request().resourceType() !== 'media') return
    partial.push({ status: response.status(), range: response.request().headers().range ?? '', fromWorker: response.fromServiceWorker() })
  })
  await player.goto(`${network.appUrl}ipfs/${cid}`)
  await expect(player).toHaveURL(`http://${contentHost(cid, network.appUrl)}/`)
  const element = player.locator('video')
  await expect(element).toHaveCount(1)
  await element.evaluate(async (v: HTMLVideoElement) => {
    v.muted = true
    await v.play()
  })
  await expect.poll(async () => await element.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 30_000 }).toBeGreaterThan(1)
  expect(await element.evaluate((v: HTMLVideoElement) => v.duration)).toBeCloseTo(60, 0)

  // Far ahead: the browser asks for bytes near the end, and plays from there.
  for (const target of [45, 20, 58]) {
    await element.evaluate(async (v: HTMLVideoElement, to: number) => {
      await new Promise<void>((resolve, reject) => {
        v.addEventListener('seeked', () => { resolve() }, { once: true })
        v.addEventListener('error', () => { reject(new Error(v.error?.message ?? 'video error')) }, { once: true })
        v.currentTime = to
      })
    }, target)
    await expect.poll(async () => await element.evaluate((v: HTMLVideoElement) => v.currentTime), { timeout: 30_000 }).toBeGreaterThan(target + 0.3)
  }
  const ranged = partial.filter(r => r.status === 206)
  expect(ranged.length).toBeGreaterThanOrEqual(2)
  expect(ranged.every(r => r.fromWorker)).toBe(true)
  // At least one request started deep in the file, not at its beginning.
  expect(ranged.some(r => Number(/bytes=(\d+)-/.exec(r.range)?.[1] ?? 0) > 30 * 1024 * 1024)).toBe(true)

  // The video lives in the blockstore only: the content origin caches nothing but its boot files
  // and the list of its boot documents (src/gateway/boot-clients.ts).
  const cached = await player.evaluate(async () => {
    let bytes = 0
    for (const name of await caches.keys()) {
      for (const request of await (await caches.open(name)).keys()) bytes += (await (await caches.match(request))!.arrayBuffer()).byteLength
    }
    return { names: await caches.keys(), bytes }
  })
  expect(cached.names.every(name => ['pollen-boot', 'pollen-boot-clients'].includes(name))).toBe(true)
  expect(cached.bytes).toBeLessThan(1024 * 1024)
})

test('ipfs:// links open at their origin through the protocol handler, and the open box takes ipfs:// and ipns://', async ({ page, context }) => {
  await openApp(page, network.appUrl)
  const cid = await addSite(page, 'cold', COLD_SITE)
  const host = contentHost(cid, network.appUrl)

  // What the browser opens for ipfs://<cid>/notes/a.txt once Pollen handles the scheme.
  const tab = await context.newPage()
  await tab.goto(`${network.appUrl}open?url=${encodeURIComponent(`ipfs://${cid}/notes/a.txt`)}`)
  await expect(tab).toHaveURL(`http://${host}/notes/a.txt`)
  await expect(tab.locator('body')).toContainText('a note')
  const notALink = await tab.goto(`${network.appUrl}open?url=${encodeURIComponent('https://example.com/')}`)
  expect(notALink?.status()).toBe(400)
  await expect(tab.locator('body')).toContainText('is not an ipfs:// or ipns:// URL')

  await page.goto(`${network.appUrl}#/settings`)
  await page.getByTestId('handle-links').click()
  await expect(page.getByTestId('handle-links-result')).toContainText('ipfs:// and ipns:// links will open with Pollen')

  // The open box: an ipfs:// URL shows in the viewer, with a way to open it as a page.
  await page.goto(`${network.appUrl}#/open`)
  await page.getByTestId('open-input').fill(`ipfs://${cid}/index.html`)
  await page.getByTestId('open-button').click()
  await expect(page.getByTestId('viewer')).toContainText('index.html')
  const opened = context.waitForEvent('page')
  await page.getByTestId('page-link').click()
  const pageTab = await opened
  await expect(pageTab.locator('#cold')).toHaveText('cold start works')
  expect(new URL(pageTab.url()).host).toBe(host)

  // An ipns:// name is handed to the gateway, which resolves it.
  await page.getByTestId('open-input').fill('ipns://docs.example.org/guide/')
  await page.getByTestId('open-button').click()
  await expect(page.getByTestId('open-error')).toHaveCount(0)
  await expect(page.getByTestId('page-link')).toHaveAttribute('href', '/ipns/docs.example.org/guide/')
})

test('path mode serves content on the app origin, and pages only from roots the user trusted', async ({ page, context }) => {
  await openApp(page, network.appUrl, 'settings')
  await page.getByTestId('gateway-mode-path').check()
  await expect(page.getByTestId('gateway-mode-path')).toBeChecked()
  await expect(page.getByTestId('node-status')).toContainText('started')
  await page.goto(`${network.appUrl}#/files`)
  const cid = await addSite(page, 'site', STATIC_SITE)
  const appOrigin = new URL(network.appUrl).origin
  // The app's service worker installs, gets its port and hears the mode in the background.
  await expect.poll(async () => await page.evaluate(async (path) => (await fetch(path)).headers.get('content-type'), `/ipfs/${cid}/img/logo.png`), { timeout: 30_000 }).toBe('image/png')

  // Files that cannot run script are served at once, on the app origin.
  const tab = await context.newPage()
  const image = await tab.goto(`${network.appUrl}ipfs/${cid}/img/logo.png`)
  expect(image?.status()).toBe(200)
  expect(image?.headers()['content-type']).toBe('image/png')
  expect(image?.headers()['x-content-type-options']).toBe('nosniff')
  expect(new URL(tab.url()).origin).toBe(appOrigin)

  // A page is not, until its root is trusted; nothing of it runs.
  const refused = await tab.goto(`${network.appUrl}ipfs/${cid}/`)
  expect(refused?.status()).toBe(403)
  await expect(tab.locator('h1')).toContainText('Not trusted yet')
  await expect(tab.locator('#report')).toHaveCount(0)
  await tab.getByTestId('trust-link').click()
  await expect(tab.getByTestId('trust-request')).toContainText(CID.parse(cid).toV1().toString())
  await tab.getByTestId('trust-confirm').click()
  await expect(tab.locator('#title')).toHaveText('Hello from IPFS')
  expect(new URL(tab.url()).origin).toBe(appOrigin)
  await expect(tab.locator('#report')).toContainText(`"origin":"${appOrigin}"`, { timeout: 30_000 })

  await page.goto(`${network.appUrl}#/settings`)
  await expect(page.getByTestId('trusted-roots')).toContainText(CID.parse(cid).toV1().toString())
  await page.getByTestId('trusted-roots').getByRole('button').click()
  const again = await tab.goto(`${network.appUrl}ipfs/${cid}/`)
  expect(again?.status()).toBe(403)
})

test('a content page left idle longer than a service worker lives idle still loads from the node', async ({ page, context }) => {
  // Chromium stops a service worker after 30 s without events; the node's heartbeat on its port
  // keeps the content origin's worker (and so its port: no page there could give it another) alive.
  test.setTimeout(120_000)
  await openApp(page, network.appUrl)
  const cid = await addSite(page, 'site', STATIC_SITE)
  const site = await context.newPage()
  await site.goto(`${network.appUrl}ipfs/${cid}/sub/page.html`)
  await expect(site.locator('#sub')).toBeVisible()
  await site.waitForTimeout(40_000)
  // Without a port this would wait for one and end in 503: nobody on a content origin can give one.
  expect(await site.evaluate(async () => (await fetch('/css/style.css')).status)).toBe(200)
})
