/**
 * WebKit for the tests: Debian's WebKitGTK MiniBrowser (standing in for
 * Safari) driven by WebKitWebDriver over WebDriver classic with
 * selenium-webdriver, on an Xvfb display of its own. Each test launches its
 * own display, driver and browser, and `close` ends all three.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { expect } from '@playwright/test'
import { Builder, By, type WebDriver } from 'selenium-webdriver'

export const MINIBROWSER_PATH = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser'
/** WebKitGTK leaves navigator.storage off unless asked. */
export const STORAGE_FEATURES = '--features=+StorageAPI,+StorageAPIEstimate'

export interface WebKit {
  driver: WebDriver
  close: () => Promise<void>
}

async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => { resolve(port) })
    })
  })
}

/** A display number no X server uses yet. */
function freeDisplay (): number {
  for (let display = 90 + Math.floor(Math.random() * 400); ; display++) {
    if (!existsSync(`/tmp/.X${display}-lock`) && !existsSync(`/tmp/.X11-unix/X${display}`)) return display
  }
}

async function waitForPort (port: number, child: ChildProcess, what: string): Promise<void> {
  await expect.poll(async () => {
    if (child.exitCode != null) throw new Error(`${what} exited with ${child.exitCode}`)
    return await fetch(`http://127.0.0.1:${port}/status`).then(response => response.ok, () => false)
  }, { timeout: 30_000 }).toBe(true)
}

/** @param storageApi false to run WebKitGTK as it comes, without navigator.storage */
export async function launchWebKit (options: { storageApi?: boolean } = {}): Promise<WebKit> {
  const display = freeDisplay()
  const xvfb = spawn('Xvfb', [`:${display}`, '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], { stdio: 'ignore' })
  await expect.poll(() => existsSync(`/tmp/.X11-unix/X${display}`), { timeout: 30_000 }).toBe(true)
  const port = await freePort()
  const server = spawn('WebKitWebDriver', [`--port=${port}`], { stdio: 'ignore', env: { ...process.env, DISPLAY: `:${display}` } })
  const stopAll = (): void => {
    server.kill()
    xvfb.kill()
  }
  try {
    await waitForPort(port, server, 'WebKitWebDriver')
    const args = ['--automation', ...(options.storageApi === false ? [] : [STORAGE_FEATURES])]
    const driver = await new Builder()
      .usingServer(`http://127.0.0.1:${port}`)
      .withCapabilities({ browserName: 'MiniBrowser', 'webkitgtk:browserOptions': { binary: MINIBROWSER_PATH, args } })
      .build()
    return {
      driver,
      close: async () => {
        await driver.quit().catch(() => {})
        stopAll()
      }
    }
  } catch (err) {
    stopAll()
    throw err
  }
}

/** Runs `body` (a function body) in the page and returns its value. */
export async function run<T> (driver: WebDriver, body: string, ...args: unknown[]): Promise<T> {
  return await driver.executeScript(body, ...args) as T
}

export async function textOf (driver: WebDriver, testId: string): Promise<string> {
  return await run<string>(driver, 'return document.querySelector(`[data-testid="${arguments[0]}"]`)?.textContent ?? ""', testId)
}

export async function attributeOf (driver: WebDriver, selector: string, name: string): Promise<string | null> {
  return await run<string | null>(driver, 'return document.querySelector(arguments[0])?.getAttribute(arguments[1]) ?? null', selector, name)
}

export async function click (driver: WebDriver, testId: string): Promise<void> {
  await expect.poll(async () => await run<boolean>(driver, 'return document.querySelector(`[data-testid="${arguments[0]}"]`) != null', testId)).toBe(true)
  await driver.findElement(By.css(`[data-testid="${testId}"]`)).click()
}

/** Goes to `url`; a change of the hash only is a same-document navigation, done in the page. */
export async function go (driver: WebDriver, url: string): Promise<void> {
  const current = new URL(await driver.getCurrentUrl())
  const next = new URL(url)
  if (current.href.split('#')[0] === next.href.split('#')[0] && next.hash !== '') {
    await run(driver, 'location.hash = arguments[0]', next.hash)
  } else {
    await driver.get(url)
  }
}

export async function openApp (driver: WebDriver, appUrl: string, screen = 'files'): Promise<void> {
  await go(driver, `${appUrl}#/${screen}`)
  await expect.poll(async () => await textOf(driver, 'node-status'), { timeout: 30_000 }).toContain('started')
}

export async function peerId (driver: WebDriver): Promise<string> {
  await go(driver, new URL('#/node', await driver.getCurrentUrl()).href)
  await expect.poll(async () => await textOf(driver, 'peer-id')).toMatch(/^12D3Koo/)
  return await textOf(driver, 'peer-id')
}

/** The CID of the Files screen's entry whose row names `name`. */
export async function rowCid (driver: WebDriver, name: string): Promise<string | null> {
  return await run<string | null>(driver, `return Array.from(document.querySelectorAll('[data-testid="file-row"]'))
    .find(row => row.textContent.includes(arguments[0]))?.getAttribute('data-cid') ?? null`, name)
}

/** Picks `path` in the file input `testId` (shown first: WebDriver types only into visible inputs) and waits for the entry `name`. */
export async function addFile (driver: WebDriver, path: string, name: string, testId = 'file-input'): Promise<string> {
  await go(driver, new URL('#/files', await driver.getCurrentUrl()).href)
  await expect.poll(async () => await run<boolean>(driver, 'const input = document.querySelector(`[data-testid="${arguments[0]}"]`); if (input) input.hidden = false; return input != null', testId)).toBe(true)
  await driver.findElement(By.css(`[data-testid="${testId}"]`)).sendKeys(path)
  await expect.poll(async () => await rowCid(driver, name), { timeout: 120_000 }).toMatch(/^baf/)
  return (await rowCid(driver, name))!
}

/** Opens `path` (a CID, a share link) in the Open screen. */
export async function openPath (driver: WebDriver, path: string): Promise<void> {
  await go(driver, new URL('#/open', await driver.getCurrentUrl()).href)
  await expect.poll(async () => await run<boolean>(driver, 'return document.querySelector(\'[data-testid="open-input"]\') != null')).toBe(true)
  const input = await driver.findElement(By.css('[data-testid="open-input"]'))
  await input.clear()
  await input.sendKeys(path)
  await click(driver, 'open-button')
}

/** Clicks Share on `name` and returns the link once it names the sharer's relayed address. */
export async function shareLink (driver: WebDriver, name: string, sharer: string): Promise<string> {
  await go(driver, new URL('#/files', await driver.getCurrentUrl()).href)
  await expect.poll(async () => await rowCid(driver, name)).not.toBeNull()
  await run(driver, `Array.from(document.querySelectorAll('[data-testid="file-row"]'))
    .find(row => row.textContent.includes(arguments[0])).querySelector('[data-testid="share-button"]').click()`, name)
  // Once the sharer holds a relay slot: the short link names only the peer.
  const relayed = async (): Promise<string | null> => await run<string | null>(driver, 'return document.querySelector(\'[data-testid="share-panel"]\')?.getAttribute("data-relayed") ?? null')
  await expect.poll(relayed, { timeout: 30_000 }).toBe('true')
  const link = async (): Promise<string> => await run<string>(driver, 'return document.querySelector(\'[data-testid="share-link"]\')?.value ?? ""')
  await expect.poll(link).toContain(`peer=${sharer}`)
  return await link()
}
