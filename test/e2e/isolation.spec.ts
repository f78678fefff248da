/**
 * Attacks from content: a hostile site at its own origin works its bridge
 * port (crafted namespaces, roots, paths, headers, a flood), a hostile
 * `_redirects` file tries to send visitors elsewhere, and hosts that only
 * look like content origins try to pass for the app. Each case asserts the
 * refusal; without the guards each one reads, leaks or redirects.
 */
import { get, type IncomingMessage } from 'node:http'
import { base32 } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import { openApp, waitForImport } from './helpers/app.ts'
import { BRIDGE_PORT_JS, addSite } from './helpers/gateway.ts'
import { startNetwork } from './helpers/network.ts'
import { SharedWorkerProbe } from './helpers/shared-worker.ts'
import { writeTempFile } from './helpers/content.ts'
import { expect, test } from './fixtures.ts'
import type { Page } from '@playwright/test'

function originOf (cid: string, appUrl: string): string {
  return `http://${CID.parse(cid).toV1().toString(base32)}.ipfs.${new URL(appUrl).host}`
}

async function addSecret (page: Page): Promise<string> {
  await page.getByTestId('file-input').setInputFiles(await writeTempFile('secret.txt', new TextEncoder().encode('the user\'s secret\n')))
  return await waitForImport(page, 'secret.txt')
}

/**
 * A site whose script attacks its bridge port with the `?other=` CID (a file
 * the user keeps) and reports each answer in #report as JSON.
 */
const HOSTILE_SITE = {
  'index.html': '<!doctype html><meta charset="utf-8"><title>Hostile</title><pre id="report"></pre><script src="attack.js"></script>',
  'own.txt': 'own content\n',
  'attack.js': `
const appOrigin = location.origin.replace(/\\/\\/[^.]+\\.ipfs\\./, '//')
const own = location.hostname.split('.')[0]
const other = new URLSearchParams(location.search).get('other')
let nextId = 1
function call (port, method, args) {
  return new Promise(resolve => {
    const id = nextId++
    const timer = setTimeout(() => resolve({ outcome: 'no answer' }), 30000)
    port.addEventListener('message', event => {
      if (event.data.id !== id || event.data.kind === 'progress') return
      clearTimeout(timer)
      if (event.data.kind === 'error') resolve({ outcome: 'error', name: event.data.error.name, hasStack: 'stack' in event.data.error })
      else resolve({ outcome: 'answered', status: event.data.value.status })
      event.data.value?.body?.cancel()
    })
    port.start()
    port.postMessage({ kind: 'call', id, method, args })
  })
}
${BRIDGE_PORT_JS}
const request = (overrides) => ({ namespace: 'ipfs', root: own, path: '/own.txt', search: '', method: 'GET', headers: [], base: '', ...overrides })
async function main () {
  const port = await bridgePort()
  const report = {}
  report.own = await call(port, 'gateway.fetch', request({}))
  report.userInfoPath = await call(port, 'gateway.fetch', request({ path: '@' + other + '/' }))
  report.otherRoot = await call(port, 'gateway.fetch', request({ root: other, path: '/' }))
  report.otherRootProbe = await call(port, 'gateway.fetch', request({ root: other, path: '/', headers: [['cache-control', 'only-if-cached']] }))
  report.otherNamespace = await call(port, 'gateway.fetch', request({ namespace: 'ipns', root: 'docs.ipfs.tech' }))
  report.badNamespace = await call(port, 'gateway.fetch', request({ namespace: 'file' }))
  report.headerFlood = await call(port, 'gateway.fetch', request({ headers: Array.from({ length: 500 }, (_, i) => ['x-' + i, 'y']) }))
  report.hugePath = await call(port, 'gateway.fetch', request({ path: '/' + 'a'.repeat(100000) }))
  report.notAnObject = await call(port, 'gateway.fetch', 'GET /')
  report.badQueries = await Promise.all(['?filename=%00&download=true', '?format=car&dag-scope=everything', '?format=car&entity-bytes=abc'].map(search => call(port, 'gateway.fetch', request({ search }))))
  report.unknownMethod = await call(port, 'files.list')
  port.postMessage(null)
  port.postMessage('garbage')
  const flood = await Promise.all(Array.from({ length: 300 }, () => call(port, 'gateway.fetch', request({}))))
  report.flood = { answered: flood.filter(a => a.status === 200).length, refused429: flood.filter(a => a.status === 429).length, other: flood.filter(a => a.status !== 200 && a.status !== 429).length }
  report.afterFlood = await call(port, 'gateway.fetch', request({}))
  document.getElementById('report').textContent = JSON.stringify(report)
}
main().catch(err => { document.getElementById('report').textContent = JSON.stringify({ failed: String(err) }) })
`
}

test('a content page reads its own root only through its port, whatever it sends; floods get 429 and the node keeps serving', async ({ page, context, appUrl }) => {
  await openApp(page, appUrl)
  const secret = await addSecret(page)
  const site = await addSite(page, 'hostile', HOSTILE_SITE)

  const tab = await context.newPage()
  await tab.goto(`${appUrl}ipfs/${site}/?other=${secret}`)
  await expect(tab).toHaveURL(new RegExp(`^${originOf(site, appUrl)}/`))
  await expect(tab.locator('#report')).toContainText('afterFlood', { timeout: 60_000 })
  const report = JSON.parse(await tab.locator('#report').innerText())

  expect(report.own).toEqual({ outcome: 'answered', status: 200 })
  // `@<cid>` would have made ipfs://<own>@<other>/, which names the other root.
  expect(report.userInfoPath).toEqual({ outcome: 'answered', status: 400 })
  expect(report.otherRoot).toEqual({ outcome: 'answered', status: 403 })
  expect(report.otherRootProbe).toEqual({ outcome: 'answered', status: 403 })
  expect(report.otherNamespace).toEqual({ outcome: 'answered', status: 403 })
  expect(report.badNamespace).toEqual({ outcome: 'answered', status: 403 })
  expect(report.headerFlood).toEqual({ outcome: 'answered', status: 431 })
  expect(report.hugePath).toEqual({ outcome: 'answered', status: 414 })
  expect(report.notAnObject).toEqual({ outcome: 'answered', status: 400 })
  // Malformed input is the page's fault (400), never the node's (500).
  expect(report.badQueries).toEqual(Array(3).fill({ outcome: 'answered', status: 400 }))
  // Errors tell the name, never the node's stack.
  expect(report.unknownMethod).toEqual({ outcome: 'error', name: 'TypeError', hasStack: false })
  expect(report.flood.refused429).toBeGreaterThan(0)
  expect(report.flood.other).toBe(0)
  expect(report.flood.answered + report.flood.refused429).toBe(300)
  expect(report.afterFlood).toEqual({ outcome: 'answered', status: 200 })

  // The app kept working through it all, and the secret is still there.
  await page.reload()
  await expect(page.getByTestId('file-row').filter({ hasText: 'secret.txt' })).toHaveAttribute('data-cid', secret)
})

test('a hostile _redirects file cannot send a visitor to another site', async ({ page, context, appUrl }) => {
  await openApp(page, appUrl)
  const site = await addSite(page, 'redirecting', {
    'index.html': '<!doctype html><title>Redirecting</title><p id="home">home</p>',
    _redirects: [
      '/away/*  //evil.example/:splat  302',
      '/slashes/*  /:splat  302',
      '/backslash  /\\evil.example/  302',
      '/stay  /index.html  302'
    ].join('\n') + '\n'
  })
  const origin = originOf(site, appUrl)
  const tab = await context.newPage()
  const elsewhere: string[] = []
  tab.on('request', request => { if (new URL(request.url()).origin !== origin) elsewhere.push(request.url()) })
  await tab.goto(`${appUrl}ipfs/${site}/`)
  await expect(tab.locator('#home')).toHaveText('home')
  elsewhere.length = 0

  for (const path of ['/away/x', '/slashes//evil.example/x', '/backslash']) {
    await tab.goto(`${origin}${path}`)
    expect(new URL(tab.url()).origin, path).toBe(origin)
  }
  // A redirect that stays on the origin still works.
  await tab.goto(`${origin}/stay`)
  await expect(tab.locator('#home')).toHaveText('home')
  expect(elsewhere).toEqual([])
})

test('hosts that only look like content origins get 400 everywhere and start no node', async ({ page, appUrl, loopbackUrl }) => {
  const app = new URL(appUrl)
  for (const host of [`notacid.ipfs.${app.host}`, `nodash.ipns.${app.host}`]) {
    const response = await page.goto(`http://${host}/`)
    expect(response?.status(), host).toBe(400)
    await expect(page.locator('body')).toContainText('not a content origin')
  }
  // X.ipfs.Y.ipfs.<host>: the boot document would frame Y's content as its bridge.
  const cid = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
  const nested = await page.goto(`http://${cid}.ipfs.${cid}.ipfs.${app.host}/bridge.html`)
  expect(nested?.status()).toBe(400)
  // A Host header that is no host name does not reach the CSP (fetch would set its own Host).
  const injected = await new Promise<IncomingMessage>((resolve, reject) => {
    get(loopbackUrl, { headers: { host: `${cid}.ipfs.x; script-src *` } }, resolve).on('error', reject)
  })
  injected.resume()
  expect(injected.statusCode).toBe(400)
  expect(injected.headers['content-security-policy']).toBe("default-src 'none'")
})

test('path mode: a spoofed trust request names nothing, and trusted pages are framed only by Pollen', async ({ page, context, appUrl }) => {
  await openApp(page, appUrl, 'settings')
  await page.getByTestId('gateway-mode-path').check()
  await expect(page.getByTestId('gateway-mode-path')).toBeChecked()
  await expect(page.getByTestId('node-status')).toContainText('started')
  await page.goto(`${appUrl}#/files`)
  const site = await addSite(page, 'styled', {
    'index.html': '<!doctype html><title>Trusted</title><p id="trusted">trusted page</p>',
    'page.xsl': '<?xml version="1.0"?><xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"/>',
    'data.xml': '<?xml version="1.0"?><root/>'
  })
  await expect.poll(async () => await page.evaluate(async (path) => (await fetch(path)).status, `/ipfs/${site}/`), { timeout: 30_000 }).toBe(403)

  const tab = await context.newPage()
  // The banner never shows a root that is not one: `@evil.example` would be resolved as another name.
  await tab.goto(`${appUrl}#/settings?trust=${encodeURIComponent('/ipns/docs.ipfs.tech@evil.example')}&then=${encodeURIComponent('/ipns/docs.ipfs.tech@evil.example/')}`)
  await expect(tab.getByTestId('gateway-mode-path')).toBeChecked()
  await expect(tab.getByTestId('trust-request')).toHaveCount(0)
  const spoofed = await tab.goto(`${appUrl}ipns/docs.ipfs.tech@evil.example/`)
  expect(spoofed?.status()).toBe(400)

  // XSL and XML can run script as documents: untrusted, they are refused like HTML.
  for (const file of ['page.xsl', 'data.xml']) {
    expect((await tab.goto(`${appUrl}ipfs/${site}/${file}`))?.status(), file).toBe(403)
  }
  await tab.goto(`${appUrl}#/settings?trust=${encodeURIComponent(`/ipfs/${site}`)}&then=${encodeURIComponent(`/ipfs/${site}/`)}`)
  await tab.getByTestId('trust-confirm').click()
  await expect(tab.locator('#trusted')).toHaveText('trusted page')
  const trusted = await tab.goto(`${appUrl}ipfs/${site}/`)
  expect(trusted?.headers()['content-security-policy']).toContain("frame-ancestors 'self'")
})

test('content that rewrites the boot files kept on its origin cannot have them run: offline, the worker refuses them', async ({ browser }) => {
  const network = await startNetwork()
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await openApp(page, network.appUrl)
    // The page plants its own "boot document" in the cache its origin shares with Pollen's worker.
    const site = await addSite(page, 'tampering', {
      'index.html': '<!doctype html><title>Tampering</title><p id="done"></p><script src="tamper.js"></script>',
      'tamper.js': `caches.open('pollen-boot')
  .then(cache => cache.put('/boot.html', new Response('<!doctype html><p id="tampered">tampered</p>', { headers: { 'content-type': 'text/html' } })))
  .then(() => { document.getElementById('done').textContent = 'planted' })`
    })
    const origin = originOf(site, network.appUrl)
    const tab = await context.newPage()
    await tab.goto(`${network.appUrl}ipfs/${site}/`)
    await expect(tab.locator('#done')).toHaveText('planted')
    await tab.close()
    await page.close()

    // A cold start with the server out of reach: the worker has only what it kept.
    await network.close()
    await SharedWorkerProbe.stopAll(browser)
    await expect.poll(async () => (await SharedWorkerProbe.sharedWorkers(browser)).length).toBe(0)
    const later = await context.newPage()
    const response = await later.goto(`${origin}/`)
    expect(response?.status()).toBe(503)
    await expect(later.locator('body')).toContainText('were changed')
    await expect(later.locator('#tampered')).toHaveCount(0)
  } finally {
    await context.close()
    await network.close()
  }
})
