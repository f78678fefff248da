import { chromium } from '@playwright/test'
import { openApp } from './helpers/app.ts'
import { SharedWorkerProbe } from './helpers/shared-worker.ts'
import { tempDir } from './helpers/content.ts'
import { expect, test } from './fixtures.ts'

test('Chromium reports the app installable', async ({ appUrl }, testInfo) => {
  // Chromium never offers installation in incognito, which Playwright's contexts are.
  const context = await chromium.launchPersistentContext(await tempDir(), testInfo.project.use.launchOptions ?? {})
  const page = await context.newPage()
  await openApp(page, appUrl)
  await page.waitForFunction(async () => (await navigator.serviceWorker.ready).active != null)
  const cdp = await context.newCDPSession(page)
  await expect.poll(async () => (await cdp.send('Page.getInstallabilityErrors')).installabilityErrors).toEqual([])
  const manifest = await cdp.send('Page.getAppManifest')
  expect(manifest.errors).toEqual([])
  await context.close()
})

test('after the first visit the app shell opens offline', async ({ page, context, appUrl }) => {
  await openApp(page, appUrl)
  await page.waitForFunction(async () => (await navigator.serviceWorker.ready).active != null)
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller != null)).toBe(true)
  await context.setOffline(true)
  await page.reload()
  await expect(page.getByRole('link', { name: 'Files' })).toBeVisible()
  await expect(page.getByTestId('node-status')).toContainText('started')
  await context.setOffline(false)
})

test('the app ships a strict Content-Security-Policy', async ({ page, appUrl }) => {
  const response = await page.goto(appUrl)
  const csp = response!.headers()['content-security-policy']
  expect(csp).toContain("default-src 'self'")
  expect(csp).toContain("object-src 'none'")
  expect(csp).not.toMatch(/unsafe-inline|'unsafe-eval'|wasm-unsafe-eval/)
  const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content')
  expect(meta).toContain("script-src 'self'")
  expect(await page.locator('script:not([src])').count()).toBe(0)
})

test('only the node worker may compile WebAssembly, and its noise cipher runs there', async ({ page, appUrl }) => {
  await openApp(page, appUrl, 'node')
  await expect(page.getByTestId('encryption')).toHaveText('Noise, ChaCha20-Poly1305 in WebAssembly (libsodium)')
  const workers = await SharedWorkerProbe.sharedWorkers(page.context().browser()!)
  const worker = workers.find(w => w.url.startsWith(new URL(appUrl).origin))
  expect(worker?.url).toMatch(/\/assets\/worker-[\w-]+\.js$/)
  // From the page (Node.js cannot resolve app.localhost), as the browser loads the worker.
  const { status, csp } = await page.evaluate(async url => {
    const response = await fetch(url)
    return { status: response.status, csp: response.headers.get('content-security-policy') }
  }, worker!.url)
  expect(status).toBe(200)
  expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'")
  expect(csp).not.toMatch(/unsafe-inline|'unsafe-eval'/)
})

test('no screen trips the Content-Security-Policy', async ({ page, appUrl }) => {
  const violations: string[] = []
  page.on('console', message => { if (/Content Security Policy/i.test(message.text())) violations.push(message.text()) })
  await openApp(page, appUrl)
  await page.getByTestId('file-input').setInputFiles({ name: 'note.txt', mimeType: 'text/plain', buffer: Buffer.from('csp\n') })
  await expect(page.getByTestId('file-row')).toHaveCount(1)
  for (const screen of ['open', 'node', 'peers', 'settings', 'files']) {
    await page.getByRole('link', { name: screen[0].toUpperCase() + screen.slice(1), exact: true }).click()
    await expect(page.locator('main')).not.toBeEmpty()
  }
  await page.getByTestId('file-row').getByRole('button', { name: 'note.txt' }).click()
  await expect(page.getByTestId('text-preview')).toHaveText('csp\n')
  expect(violations).toEqual([])
})

test('the Node and Peers screens show the identity and the connections table', async ({ page, appUrl }) => {
  await openApp(page, appUrl, 'node')
  await expect(page.getByTestId('peer-id')).toHaveText(/^12D3KooW/)
  await expect(page.getByTestId('protocols')).toContainText('/ipfs/bitswap/')
  await expect(page.getByTestId('reachability')).toContainText('none: no relay has granted a slot')
  await expect(page.getByTestId('webrtc-hosted')).toContainText('on: a tab of this app holds the peer connections')
  await expect(page.getByTestId('node-screen')).toContainText('pollen/')
  await page.goto(`${appUrl}#/peers`)
  await expect(page.getByTestId('peer-list')).toContainText('No connections')
})
