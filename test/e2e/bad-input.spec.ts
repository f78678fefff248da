import { pseudoRandomBytes, sha256, writeTempFile } from './helpers/content.ts'
import { downloadDigest, openApp, openPath, waitForImport } from './helpers/app.ts'
import { launchOnSmallDisk } from './helpers/small-disk.ts'
import { expect, test } from './fixtures.ts'
import type { Page } from '@playwright/test'

const MiB = 1024 * 1024

async function addKeeper (page: Page): Promise<{ cid: string, digest: string }> {
  const bytes = pseudoRandomBytes(3 * MiB, 7)
  await page.getByTestId('file-input').setInputFiles({ name: 'keeper.bin', mimeType: 'application/octet-stream', buffer: bytes })
  return { cid: await waitForImport(page, 'keeper.bin'), digest: sha256(bytes) }
}

test('an invalid CID in the open box gets a clear message', async ({ page, appUrl }) => {
  await openApp(page, appUrl)
  await openPath(page, 'bafy-not-a-cid')
  await expect(page.getByTestId('open-error')).toHaveText(/"bafy-not-a-cid" is not a valid CID/)
  await openPath(page, '/ipfs/QmInvalid0OI/x')
  await expect(page.getByTestId('open-error')).toContainText('is not a valid CID')
  await openPath(page, '')
  await expect(page.getByTestId('open-error')).toContainText('Enter a CID')
})

test('a cancelled import says so, adds nothing and leaves stored files intact', async ({ page, appUrl }) => {
  await openApp(page, appUrl)
  const keeper = await addKeeper(page)
  const path = await writeTempFile('too-slow.bin', pseudoRandomBytes(256 * MiB, 3))

  await page.getByTestId('file-input').setInputFiles(path)
  const job = page.getByTestId('import-job').filter({ hasText: 'too-slow.bin' })
  await expect(job.getByTestId('import-status')).toContainText(/MiB of 256 MiB/)
  await job.getByRole('button', { name: 'Cancel' }).click()
  await expect(job.getByTestId('import-status')).toHaveText(/Cancelled/)
  await expect(page.getByTestId('file-row')).toHaveCount(1)
  expect(await downloadDigest(page, `/ipfs/${keeper.cid}`)).toBe(keeper.digest)
})

test('an import that exhausts the storage quota says so and keeps what was stored', async ({ appUrl }, testInfo) => {
  const browser = await launchOnSmallDisk(48, testInfo.project.use.launchOptions ?? {})
  try {
    const page = await browser.context.newPage()
    await openApp(page, appUrl)
    const keeper = await addKeeper(page)
    const path = await writeTempFile('too-big.bin', pseudoRandomBytes(64 * MiB, 5))
    await page.getByTestId('file-input').setInputFiles(path)
    const status = page.getByTestId('import-job').filter({ hasText: 'too-big.bin' }).getByTestId('import-status')
    await expect(status).toContainText('Storage is full', { timeout: 60_000 })
    await expect(status).toContainText('Files added before are unharmed')
    await expect(page.getByTestId('file-row')).toHaveCount(1)
    expect(await downloadDigest(page, `/ipfs/${keeper.cid}`)).toBe(keeper.digest)

    // The failed import's blocks were collected: a file that fits goes in afterwards.
    await page.goto(`${appUrl}#/files`)
    await page.getByTestId('file-input').setInputFiles({ name: 'fits.bin', mimeType: 'application/octet-stream', buffer: pseudoRandomBytes(4 * MiB, 9) })
    await waitForImport(page, 'fits.bin')
  } finally {
    await browser.close()
  }
})
