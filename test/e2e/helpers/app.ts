/** What a person does in the app, as steps the specs share. */
import { expect, type Page } from '@playwright/test'
import { sha256File } from './content.ts'

export async function openApp (page: Page, appUrl: string, screen = 'files'): Promise<void> {
  await page.goto(`${appUrl}#/${screen}`)
  await expect(page.getByTestId('node-status')).toContainText('started')
}

export async function peerId (page: Page): Promise<string> {
  await page.goto(new URL('#/node', page.url()).href)
  const id = page.getByTestId('peer-id')
  await expect(id).toHaveText(/^12D3Koo/)
  return await id.innerText()
}

/** Waits until the newest import finished and returns the CID it reports. */
export async function waitForImport (page: Page, name: string, timeout = 120_000): Promise<string> {
  const job = page.getByTestId('import-job').filter({ hasText: name }).first()
  await expect(job.getByTestId('import-status')).toContainText('Added', { timeout })
  const row = page.getByTestId('file-row').filter({ hasText: name }).first()
  await expect(row).toBeVisible()
  return (await row.getAttribute('data-cid'))!
}

/** Types `value` into the Settings list `list` (bootstrap, delegates, …) and clicks Add. */
export async function addSettingsEntry (page: Page, list: string, value: string): Promise<void> {
  const section = page.getByTestId(`settings-${list}`)
  await section.getByRole('textbox').fill(value)
  await section.getByRole('button', { name: 'Add' }).click()
}

export async function openPath (page: Page, path: string): Promise<void> {
  await page.goto(new URL('#/open', page.url()).href)
  await page.getByTestId('open-input').fill(path)
  await page.getByTestId('open-button').click()
}

/** Opens a CID, clicks Download and returns the SHA-256 of the saved file. */
export async function downloadDigest (page: Page, path: string): Promise<string> {
  await openPath(page, path)
  return await downloadShownDigest(page)
}

/** Clicks Download on the file the viewer shows and returns the SHA-256 of the saved file. */
export async function downloadShownDigest (page: Page): Promise<string> {
  const downloadStarted = page.waitForEvent('download')
  await page.getByTestId('download-button').click()
  const download = await downloadStarted
  const saved = await download.path()
  if (saved == null) throw new Error(`download failed: ${await download.failure()}`)
  return await sha256File(saved)
}
