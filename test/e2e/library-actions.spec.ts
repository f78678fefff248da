import { pseudoRandomBytes } from './helpers/content.ts'
import { openApp, waitForImport } from './helpers/app.ts'
import { expect, test } from './fixtures.ts'
import type { Page } from '@playwright/test'

async function blockCount (page: Page): Promise<number> {
  const text = await page.getByTestId('storage').innerText()
  return Number(/(\d+) blocks/.exec(text)![1])
}

test('unpin, garbage collection and delete free exactly what is no longer pinned', async ({ page, appUrl }) => {
  await openApp(page, appUrl)
  await page.getByTestId('file-input').setInputFiles([
    { name: 'stays.bin', mimeType: 'application/octet-stream', buffer: pseudoRandomBytes(3 * 1024 * 1024, 11) },
    { name: 'goes.bin', mimeType: 'application/octet-stream', buffer: pseudoRandomBytes(2 * 1024 * 1024 + 5, 12) }
  ])
  await waitForImport(page, 'stays.bin')
  await waitForImport(page, 'goes.bin')
  // 3 leaves + root, and 3 leaves + root.
  await expect.poll(() => blockCount(page)).toBe(8)

  const goes = page.getByTestId('file-row').filter({ hasText: 'goes.bin' })
  await goes.getByRole('checkbox', { name: 'Pinned' }).uncheck()
  await expect(goes.getByRole('checkbox', { name: 'Pinned' })).not.toBeChecked()
  await page.getByRole('button', { name: 'Collect garbage' }).click()
  await expect(page.getByTestId('library-message')).toHaveText('Garbage collection removed 4 unpinned blocks.')
  await expect.poll(() => blockCount(page)).toBe(4)

  await page.reload()
  await openApp(page, appUrl)
  await expect(page.getByTestId('file-row').filter({ hasText: 'goes.bin' }).getByRole('checkbox')).not.toBeChecked()
  await page.getByTestId('file-row').filter({ hasText: 'stays.bin' }).getByRole('button', { name: 'Delete' }).click()
  await expect(page.getByTestId('file-row').filter({ hasText: 'stays.bin' })).toHaveCount(0)
  await page.getByRole('button', { name: 'Collect garbage' }).click()
  await expect(page.getByTestId('library-message')).toHaveText('Garbage collection removed 4 unpinned blocks.')
  await expect.poll(() => blockCount(page)).toBe(0)
})

test('persistent storage: the button asks the browser and shows its answer', async ({ page, appUrl }) => {
  await openApp(page, appUrl)
  const answer = page.getByTestId('persisted')
  await expect(answer).toHaveText(/granted|not granted/)
  const expected = await page.evaluate(async () => await navigator.storage.persist())
  await page.getByRole('button', { name: 'Ask to keep my files' }).click()
  await expect(answer).toHaveText(expected ? 'granted' : 'not granted')
  await expect(page.getByTestId('library-message')).toContainText(expected ? 'Storage is persistent' : 'declined persistent storage')
})

test('the same file added twice is listed twice and stays pinned until both entries are gone', async ({ page, appUrl }) => {
  await openApp(page, appUrl)
  const bytes = pseudoRandomBytes(1024 * 1024 + 1, 13)
  await page.getByTestId('file-input').setInputFiles({ name: 'twice.bin', mimeType: 'application/octet-stream', buffer: bytes })
  const first = await waitForImport(page, 'twice.bin')
  await page.getByTestId('file-input').setInputFiles({ name: 'twice.bin', mimeType: 'application/octet-stream', buffer: bytes })
  await expect(page.getByTestId('file-row')).toHaveCount(2)
  await expect(page.getByTestId('file-row').nth(0)).toHaveAttribute('data-cid', first)

  await page.getByTestId('file-row').first().getByRole('button', { name: 'Delete' }).click()
  await expect(page.getByTestId('file-row')).toHaveCount(1)
  await page.getByRole('button', { name: 'Collect garbage' }).click()
  await expect(page.getByTestId('library-message')).toHaveText('Garbage collection removed 0 unpinned blocks.')
  await page.getByTestId('file-row').first().getByRole('button', { name: 'Delete' }).click()
  await expect(page.getByTestId('file-row')).toHaveCount(0)
  await page.getByRole('button', { name: 'Collect garbage' }).click()
  await expect(page.getByTestId('library-message')).toHaveText('Garbage collection removed 3 unpinned blocks.')
})
