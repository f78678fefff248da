/**
 * Firefox for the tests: Debian's firefox-esr driven over WebDriver BiDi by
 * puppeteer-core (Playwright's Firefox is a patched build it cannot download
 * here). Each test launches its own, with a profile of its own in TMPDIR, and
 * opens its pages in a context whose downloads go to a folder the test reads.
 */
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import puppeteer, { type Browser, type BrowserContext, type Frame, type Page } from 'puppeteer-core'
import { expect } from '@playwright/test'
import { tempDir } from '../../e2e/helpers/content.ts'

export const FIREFOX_PATH = '/usr/bin/firefox-esr'

export interface Firefox {
  browser: Browser
  /** The context the test's pages open in: downloads land in `downloads`. */
  context: BrowserContext
  /** Where downloads land. */
  downloads: string
  close: () => Promise<void>
}

export async function launchFirefox (): Promise<Firefox> {
  const downloads = await tempDir('pollen-firefox-downloads-')
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    extraPrefsFirefox: {
      // Offline WebRTC between browsers on this machine: plain host candidates, loopback included.
      'media.peerconnection.ice.obfuscate_host_addresses': false,
      'media.peerconnection.ice.loopback': true
    }
  })
  const context = await browser.createBrowserContext({ downloadBehavior: { policy: 'allow', downloadPath: downloads } })
  return { browser, context, downloads, close: async () => { await browser.close() } }
}

/** The text of the element with `data-testid`, '' while there is none. */
export async function textOf (page: Page | Frame, testId: string): Promise<string> {
  return await page.$eval(`[data-testid="${testId}"]`, element => element.textContent ?? '').catch(() => '')
}

export async function attributeOf (page: Page | Frame, selector: string, name: string): Promise<string | null> {
  return await page.$eval(selector, (element, name) => element.getAttribute(name), name).catch(() => null)
}

export async function click (page: Page, testId: string): Promise<void> {
  await (await page.waitForSelector(`[data-testid="${testId}"]`))!.click()
}

export async function openApp (page: Page, appUrl: string, screen = 'files'): Promise<void> {
  await page.goto(`${appUrl}#/${screen}`)
  await expect.poll(async () => await textOf(page, 'node-status'), { timeout: 30_000 }).toContain('started')
}

export async function peerId (page: Page): Promise<string> {
  await page.goto(new URL('#/node', page.url()).href)
  await expect.poll(async () => await textOf(page, 'peer-id')).toMatch(/^12D3Koo/)
  return await textOf(page, 'peer-id')
}

/** Picks `path` in the file input `testId` on the Files screen and waits for the entry `name`; returns its CID. */
export async function addFile (page: Page, path: string, name: string, testId = 'file-input'): Promise<string> {
  await page.goto(new URL('#/files', page.url()).href)
  const input = await page.waitForSelector(`input[data-testid="${testId}"]`)
  await input!.uploadFile(path)
  await expect.poll(async () => await rowCid(page, name), { timeout: 120_000 }).toMatch(/^baf/)
  return (await rowCid(page, name))!
}

/** The CID of the Files screen's entry whose row names `name`. */
export async function rowCid (page: Page, name: string): Promise<string | null> {
  return await page.evaluate(name => Array.from(document.querySelectorAll('[data-testid="file-row"]'))
    .find(row => row.textContent?.includes(name) === true)?.getAttribute('data-cid') ?? null, name)
}

/** Clicks Share on `name` and returns the link once it names the sharer's relayed address (for WebRTC, with `webrtc`). */
export async function shareLink (page: Page, name: string, sharer: string, options: { webrtc?: boolean } = {}): Promise<string> {
  await page.goto(new URL('#/files', page.url()).href)
  await expect.poll(async () => await rowCid(page, name)).not.toBeNull()
  await page.evaluate(name => {
    const row = Array.from(document.querySelectorAll('[data-testid="file-row"]')).find(candidate => candidate.textContent?.includes(name) === true)
    ;(row!.querySelector('[data-testid="share-button"]') as HTMLButtonElement).click()
  }, name)
  // Once the sharer holds a relay slot (and announces WebRTC through it): the short link names only the peer.
  const reachable = options.webrtc === true ? 'data-webrtc' : 'data-relayed'
  await expect.poll(async () => await page.$eval('[data-testid="share-panel"]', (panel, reachable) => panel.getAttribute(reachable), reachable).catch(() => null), { timeout: 30_000 }).toBe('true')
  const link = async (): Promise<string> => await page.$eval('[data-testid="share-link"]', element => (element as HTMLInputElement).value).catch(() => '')
  await expect.poll(link).toContain(`peer=${sharer}`)
  return await link()
}

/** Follows a share link, clicks Fetch and waits until the fetch is done. */
export async function openShared (page: Page, link: string, timeout = 90_000): Promise<void> {
  await page.goto(link)
  await click(page, 'fetch-confirm')
  await expect.poll(async () => await attributeOf(page, '[data-testid="fetch-job"]', 'data-status'), { timeout }).toBe('done')
}

/** The fetch's source row for `role` (sharer, relay, gateway…): its text and whether it is relayed. */
export async function fetchSource (page: Page, role: string): Promise<{ text: string, relayed: string | null }> {
  const selector = `[data-testid="fetch-source"][data-role="${role}"]`
  return {
    text: await page.$eval(selector, element => element.textContent ?? '').catch(() => ''),
    relayed: await attributeOf(page, selector, 'data-relayed')
  }
}

/**
 * Clicks Download on the file the viewer shows and returns the path of the saved file once it is whole.
 * After it, puppeteer's BiDi page waits forever for the navigation the download ended: navigate no more.
 */
export async function downloadShown (page: Page, firefox: Firefox, size: number): Promise<string> {
  const before = new Set(await readdir(firefox.downloads))
  await click(page, 'download-button')
  let saved = ''
  await expect.poll(async () => {
    const files = (await readdir(firefox.downloads)).filter(file => !before.has(file))
    if (files.length !== 1 || files[0].endsWith('.part')) return -1
    saved = join(firefox.downloads, files[0])
    return (await stat(saved)).size
  }, { timeout: 60_000 }).toBe(size)
  return saved
}

/** Opens `path` (a CID, a share link) in the Open screen. */
export async function openPath (page: Page, path: string): Promise<void> {
  await page.goto(new URL('#/open', page.url()).href)
  const input = await page.waitForSelector('[data-testid="open-input"]')
  // The box keeps what was opened last.
  await input!.evaluate(box => { (box as HTMLInputElement).value = ''; box.dispatchEvent(new Event('input', { bubbles: true })) })
  await input!.type(path)
  await click(page, 'open-button')
}

/** The frame holding a content page (Firefox shows content inside a frame of a holder page; see src/bridge/holder.ts). */
export async function contentFrame (page: Page): Promise<Frame> {
  let frame: Frame | undefined
  await expect.poll(() => {
    frame = page.frames().find(candidate => candidate !== page.mainFrame() && /\.ip[fn]s\./.test(new URL(candidate.url()).hostname))
    return frame != null
  }, { timeout: 30_000 }).toBe(true)
  return frame!
}

/** Imports the CAR at `path` on the Files screen and waits until its root `cid` is listed. */
export async function importCar (page: Page, path: string, cid: string): Promise<void> {
  await page.goto(new URL('#/files', page.url()).href)
  const input = await page.waitForSelector('input[data-testid="car-input"]')
  await input!.uploadFile(path)
  await expect.poll(async () => await page.$(`[data-testid="file-row"][data-cid="${cid}"]`) != null, { timeout: 60_000 }).toBe(true)
}
