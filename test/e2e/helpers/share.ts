/** Sharing between browsers, as a person does it: Share, copy the link, open it elsewhere, click Fetch. */
import { expect, type Browser, type Locator, type Page } from '@playwright/test'
import { openApp, peerId, waitForImport } from './app.ts'
import { writeTempFile } from './content.ts'

/** A sharer: a browser context of its own with the app open and `name` added; returns its page and peer ID. */
export async function sharerWithFile (browser: Browser, appUrl: string, name: string, bytes: Buffer): Promise<{ page: Page, peer: string }> {
  const page = await (await browser.newContext()).newPage()
  await openApp(page, appUrl)
  const peer = await peerId(page)
  await page.goto(`${appUrl}#/files`)
  await page.getByTestId('file-input').setInputFiles(await writeTempFile(name, bytes))
  await waitForImport(page, name)
  return { page, peer }
}

/**
 * Clicks Share on the named entry and returns the link once the sharer holds
 * a relay slot (`webrtc`: and announces WebRTC through it), the link names
 * the sharer and announces the size.
 */
export async function shareLink (page: Page, name: string, sharer: string, options: { webrtc?: boolean } = {}): Promise<string> {
  await page.goto(new URL('#/files', page.url()).href)
  await page.getByTestId('file-row').filter({ hasText: name }).getByTestId('share-button').click()
  const link = page.getByTestId('share-link')
  const panel = page.getByTestId('share-panel')
  await expect(panel).toHaveAttribute('data-relayed', 'true', { timeout: 20_000 })
  if (options.webrtc === true) await expect(panel).toHaveAttribute('data-webrtc', 'true', { timeout: 20_000 })
  await expect(link).toHaveValue(new RegExp(`[?&]peer=${sharer}(&|$)`))
  await expect(link).toHaveValue(/[?&]size=\d+/)
  await expect(page.getByTestId('share-qr')).toBeVisible()
  return await link.inputValue()
}

/**
 * Follows a share link as a person does: the page shows what the link is and
 * fetches nothing until Fetch is clicked, which this then does (the link's size,
 * or the default limit when it announces none).
 */
export async function followShareLink (page: Page, link: string): Promise<void> {
  await page.goto(link)
  await expect(page.getByTestId('share-offer')).toBeVisible({ timeout: 30_000 })
  await page.getByTestId('fetch-confirm').click()
  await expect(page.getByTestId('share-offer')).toHaveCount(0)
}

/** Opens a share link in the page, clicks Fetch and waits until the fetch is done; returns the page's sources by role. */
export async function openShared (page: Page, link: string, timeout = 90_000): Promise<(role: string) => Locator> {
  await followShareLink(page, link)
  await expect(page.getByTestId('fetch-job')).toHaveAttribute('data-status', 'done', { timeout })
  return role => page.getByTestId('fetch-source').and(page.locator(`[data-role="${role}"]`))
}
