/**
 * A static site at its content origin in WebKit. WebKit partitions an
 * iframe's storage and SharedWorkers by the top-level origin, even between
 * subdomains of one site, so the bridge a content origin embeds starts a
 * node of that partition's own: it reaches content the network has, here
 * the copy the infra node preloaded when the site was imported.
 */
import { base32 } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import { By } from 'selenium-webdriver'
import { expect, test } from '../e2e/fixtures.ts'
import { STATIC_SITE, startRecordedNetwork } from '../e2e/helpers/gateway.ts'
import { folderCar } from '../firefox/helpers/car.ts'
import { go, launchWebKit, openApp, run, type WebKit } from './helpers/webkit.ts'

let network: Awaited<ReturnType<typeof startRecordedNetwork>>
let webkit: WebKit
test.afterEach(async () => {
  await webkit?.close()
  await network?.close()
})

test('WebKit: a static site imported as a CAR is preloaded and opens at its own origin, every subresource from the service worker', async () => {
  test.setTimeout(180_000)
  network = await startRecordedNetwork()
  webkit = await launchWebKit()
  const { driver } = webkit
  await openApp(driver, network.appUrl)
  const car = await folderCar('site', STATIC_SITE)
  await run(driver, 'document.querySelector(\'[data-testid="car-input"]\').hidden = false')
  await driver.findElement(By.css('[data-testid="car-input"]')).sendKeys(car.path)
  const preload = `return document.querySelector('[data-testid="file-row"][data-cid="${car.cid}"] [data-testid="preload-status"]')?.textContent ?? ''`
  await expect.poll(async () => await run<string>(driver, preload), { timeout: 60_000 }).toMatch(/: done$/)

  const host = `${CID.parse(car.cid).toV1().toString(base32)}.ipfs.${new URL(network.appUrl).host}`
  await go(driver, `${network.appUrl}ipfs/${car.cid}/`)
  await expect.poll(async () => await driver.getCurrentUrl(), { timeout: 30_000 }).toBe(`http://${host}/`)
  // The content is shown in the frame of its origin that the holding boot document keeps (src/bridge/holder.ts).
  await expect.poll(async () => await run<boolean>(driver, 'return document.querySelector("#content") != null'), { timeout: 30_000 }).toBe(true)
  await driver.switchTo().frame(await driver.findElement(By.css('#content')))
  await expect.poll(async () => await run<string>(driver, 'return document.querySelector("#title")?.textContent ?? ""'), { timeout: 90_000 }).toBe('Hello from IPFS')
  // The stylesheet may still be on its way when #title is parsed.
  await expect.poll(async () => await run<string>(driver, 'return getComputedStyle(document.querySelector("#title")).color')).toBe('rgb(200, 30, 40)')
  await expect.poll(async () => await run<number>(driver, 'return document.querySelector("#logo").naturalWidth')).toBe(2)
  await driver.switchTo().defaultContent()
  await expect.poll(async () => await driver.getTitle()).toBe('Static site on IPFS')

  const siteFiles = ['/index.html', '/css/style.css', '/js/app.js', '/img/logo.png', '/sub/page.html']
  expect(network.requests.filter(r => r.host === host && siteFiles.includes(r.path))).toEqual([])
})
