/**
 * A share fetch that stops before the end (paused, or its tab closed) keeps
 * what arrived: opening the link again asks the sharer only for the missing
 * blocks, and garbage collection leaves the part alone until it is discarded.
 */
import { downloadShownDigest, openApp, peerId, waitForImport } from './helpers/app.ts'
import { pseudoRandomBytes, sha256, writeTempFile } from './helpers/content.ts'
import { startNetwork, type LocalNetwork } from './helpers/network.ts'
import { followShareLink, shareLink } from './helpers/share.ts'
import { expect, test } from './fixtures.ts'
import type { Browser, Page } from '@playwright/test'

const MiB = 1024 * 1024
/** Large enough that half of it takes a few seconds to cross, even between two browsers on loopback. */
const SIZE = 64 * MiB
const FETCH_TIMEOUT = 180_000

let network: LocalNetwork

// No preload: the infra node never has the content, so every block that is not here comes from the sharer.
test.beforeEach(async () => { network = await startNetwork({ autoPreload: false }) })
test.afterEach(async () => { await network.close() })

/** A sharer (a browser of its own, left open) with a new file added; returns its share link. */
async function sharer (browser: Browser, name: string, bytes: Buffer): Promise<string> {
  const page = await (await browser.newContext()).newPage()
  await openApp(page, network.appUrl)
  const peer = await peerId(page)
  await page.goto(`${network.appUrl}#/files`)
  await page.getByTestId('file-input').setInputFiles(await writeTempFile(name, bytes))
  await waitForImport(page, name)
  return await shareLink(page, name, peer)
}

/** Waits until the running fetch in the page has at least half of its bytes. */
async function pastHalf (page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const job = document.querySelector<HTMLElement>('[data-testid="fetch-job"]')
    const total = Number(job?.dataset.totalBytes)
    return job?.dataset.status === 'running' && total > 0 && Number(job.dataset.bytes) >= total / 2
  }, undefined, { timeout: FETCH_TIMEOUT })
}

/** A fresh browser follows the link and pauses the fetch once half of it is here; returns that page. */
async function pausedHalfWay (browser: Browser, link: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage()
  await openApp(page, network.appUrl)
  await followShareLink(page, link)
  await pastHalf(page)
  await page.getByTestId('fetch-pause').click()
  await expect(page.getByTestId('fetch-job')).toHaveAttribute('data-status', 'cancelled')
  await expect(page.getByTestId('fetch-paused')).toContainText('What arrived is kept')
  return page
}

/** On the Files screen: the unfinished fetch of the link, once no fetch of it runs; returns the blocks it holds. */
async function unfinishedBlocks (page: Page): Promise<number> {
  await page.goto(`${network.appUrl}#/files`)
  const row = page.getByTestId('unfinished-row')
  await expect(row).toHaveCount(1)
  await expect(row).toHaveAttribute('data-running', 'false', { timeout: 30_000 })
  await expect(row).toContainText('resume.bin')
  return Number(await row.getAttribute('data-blocks'))
}

/**
 * Opens the link again and fetches: the offer says how much is here, the
 * fetch finds those blocks here and asks the sharer for the rest alone, and
 * the bytes are the sharer's.
 */
async function resume (page: Page, link: string, kept: number, bytes: Buffer): Promise<void> {
  await page.goto(link)
  await expect(page.getByTestId('offer-here')).toContainText(`(${kept} blocks) of it are here already`)
  await page.getByTestId('fetch-confirm').click()
  const job = page.getByTestId('fetch-job')
  await expect(job).toHaveAttribute('data-status', 'done', { timeout: FETCH_TIMEOUT })
  const total = Number(await job.getAttribute('data-blocks'))
  // 64 leaves of 1 MiB and their root.
  expect(total).toBe(65)
  await expect(job).toHaveAttribute('data-local-blocks', String(kept))
  await expect(page.getByTestId('fetch-local')).toContainText(`(${kept} blocks) already here`)
  const sources = page.getByTestId('fetch-source')
  await expect(sources).toHaveCount(1)
  await expect(sources).toHaveAttribute('data-role', 'sharer')
  await expect(sources).toHaveAttribute('data-blocks', String(total - kept))
  expect(await downloadShownDigest(page)).toBe(sha256(bytes))
  // Finished: no longer kept apart.
  await page.goto(`${network.appUrl}#/files`)
  await expect(page.getByTestId('unfinished')).toHaveCount(0)
}

test('a share fetch paused half way keeps its blocks through garbage collection and resumes from them when the link is opened again', async ({ browser }) => {
  test.setTimeout(420_000)
  const bytes = pseudoRandomBytes(SIZE, 81)
  const link = await sharer(browser, 'resume.bin', bytes)
  const page = await pausedHalfWay(browser, link)

  const kept = await unfinishedBlocks(page)
  expect(kept).toBeGreaterThanOrEqual(33)
  expect(kept).toBeLessThan(65)
  await expect(page.getByTestId('storage-unfinished')).toContainText(`(${kept} blocks) kept for 1 unfinished fetch`)
  await page.getByRole('button', { name: 'Collect garbage' }).click()
  await expect(page.getByTestId('library-message')).toHaveText('Garbage collection removed 0 unpinned blocks.')
  await expect(page.getByTestId('unfinished-row')).toHaveAttribute('data-blocks', String(kept))

  await resume(page, link, kept, bytes)
})

test('a share fetch whose tab closed stops there, keeps its blocks, and resumes from them in a new tab', async ({ browser }) => {
  test.setTimeout(420_000)
  const bytes = pseudoRandomBytes(SIZE, 82)
  const link = await sharer(browser, 'resume.bin', bytes)

  const context = await browser.newContext()
  const files = await context.newPage()
  await openApp(files, network.appUrl)
  const fetching = await context.newPage()
  await followShareLink(fetching, link)
  await pastHalf(fetching)
  await fetching.close()

  // The node ended the fetch with its tab (another tab is open, and keeps the node): part of it is here.
  const kept = await unfinishedBlocks(files)
  expect(kept).toBeGreaterThanOrEqual(33)
  expect(kept).toBeLessThan(65)

  await resume(await context.newPage(), link, kept, bytes)
})

test('Resume continues an unfinished fetch from the Files screen; discarding one lets the next garbage collection free its blocks', async ({ browser }) => {
  test.setTimeout(420_000)
  const link = await sharer(browser, 'resume.bin', pseudoRandomBytes(SIZE, 83))
  const page = await pausedHalfWay(browser, link)
  const kept = await unfinishedBlocks(page)

  // Resume goes on from what is here, with the link's sharer and size; paused again, it keeps more.
  await page.getByTestId('unfinished-resume').click()
  await expect(page).toHaveURL(/#\/open$/)
  await expect(page.getByTestId('fetch-local')).toHaveAttribute('data-blocks', String(kept), { timeout: 60_000 })
  await expect(page.getByTestId('fetch-limit')).toContainText('the size the link announced')
  await page.getByTestId('fetch-pause').click()
  await expect(page.getByTestId('fetch-job')).toHaveAttribute('data-status', 'cancelled')
  const more = await unfinishedBlocks(page)
  expect(more).toBeGreaterThanOrEqual(kept)
  const storage = page.getByTestId('storage')
  await expect(storage).toContainText(`· ${more} blocks`)

  await page.getByTestId('unfinished-discard').click()
  await expect(page.getByTestId('unfinished')).toHaveCount(0)
  await expect(page.getByTestId('storage-unfinished')).toHaveCount(0)
  // Discarding alone removes nothing: the next collection does.
  await expect(storage).toContainText(`· ${more} blocks`)
  await page.getByRole('button', { name: 'Collect garbage' }).click()
  await expect(page.getByTestId('library-message')).toHaveText(`Garbage collection removed ${more} unpinned blocks.`)
  await expect(storage).toContainText('· 0 blocks')

  // Opened again, the link has nothing here any more.
  await page.goto(link)
  await expect(page.getByTestId('share-offer')).toBeVisible()
  await expect(page.getByTestId('offer-free')).toBeVisible()
  await expect(page.getByTestId('offer-here')).toHaveCount(0)
})

test('a fetch paused half way on the Open screen resumes there after a reload and completes with identical bytes', async ({ browser }) => {
  test.setTimeout(420_000)
  const bytes = pseudoRandomBytes(SIZE, 84)
  const link = await sharer(browser, 'resume.bin', bytes)
  const page = await pausedHalfWay(browser, link)
  await expect(page.getByTestId('fetch-paused')).toContainText('Paused at')
  await expect(page.getByTestId('fetch-resume')).toBeVisible()

  await page.reload()
  await page.goto(`${network.appUrl}#/open`)
  // The Open screen lists it after the reload, with how much is here.
  const row = page.getByTestId('unfinished-row')
  await expect(row).toHaveAttribute('data-running', 'false', { timeout: 30_000 })
  const kept = Number(await row.getAttribute('data-blocks'))
  expect(kept).toBeGreaterThanOrEqual(33)
  expect(kept).toBeLessThan(65)
  await page.getByTestId('unfinished-resume').click()
  const job = page.getByTestId('fetch-job')
  await expect(job).toHaveAttribute('data-status', 'done', { timeout: FETCH_TIMEOUT })
  await expect(job).toHaveAttribute('data-local-blocks', String(kept))
  expect(await downloadShownDigest(page)).toBe(sha256(bytes))
})

test('a fetch that ends while Pollen is in the background raises a notification, once the person allowed them', async ({ browser }) => {
  test.setTimeout(180_000)
  const link = await sharer(browser, 'resume.bin', pseudoRandomBytes(4 * MiB, 85))
  // Real: Chromium's permission (granted here as the person would on the prompt) and its Notification API.
  // Simulated: the tab being in the background (document.visibilityState), and a record of what was shown.
  const context = await browser.newContext({ permissions: ['notifications'] })
  await context.addInitScript(() => {
    const shown: string[] = []
    Object.assign(window, { shownNotifications: shown })
    Object.defineProperty(document, 'visibilityState', { get: () => (window as unknown as { pollenHidden?: boolean }).pollenHidden === true ? 'hidden' : 'visible' })
    const Real = window.Notification
    window.Notification = class extends Real {
      constructor (title: string, options?: NotificationOptions) {
        super(title, options)
        shown.push(`${title}: ${options?.body ?? ''}`)
      }
    } as typeof Notification
  })
  const page = await context.newPage()
  await openApp(page, network.appUrl)
  await page.evaluate(() => { (window as unknown as { pollenHidden: boolean }).pollenHidden = true })
  await followShareLink(page, link)
  await expect(page.getByTestId('fetch-job')).toHaveAttribute('data-status', 'done', { timeout: FETCH_TIMEOUT })
  await expect.poll(async () => await page.evaluate(() => (window as unknown as { shownNotifications: string[] }).shownNotifications)).toEqual([
    'Fetched resume.bin: 4.00 MiB fetched and verified. It is in this browser now.'
  ])
  await context.close()
})
