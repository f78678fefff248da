/**
 * The installed app's ways in: the Web Share Target (a multipart POST, as the
 * system share sheet makes the browser send it) and the manifest's members.
 */
import { expectedFileCid, pseudoRandomBytes, writeTempFile } from './helpers/content.ts'
import { openApp } from './helpers/app.ts'
import { SharedWorkerProbe } from './helpers/shared-worker.ts'
import { expect, test } from './fixtures.ts'
import type { Page } from '@playwright/test'

const BIG = 200 * 1024 * 1024

/** A form on the page that posts to the share target as the browser does for the system share sheet. */
async function shareForm (page: Page, fields: Record<string, string> = {}): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker.controller != null)
  await page.evaluate(fields => {
    const form = document.createElement('form')
    form.method = 'post'
    form.enctype = 'multipart/form-data'
    form.action = '/share-target'
    form.dataset.testid = 'share-form'
    const files = document.createElement('input')
    files.type = 'file'
    files.name = 'files'
    files.multiple = true
    form.append(files)
    for (const [name, value] of Object.entries(fields)) {
      const input = document.createElement('input')
      input.name = name
      input.value = value
      form.append(input)
    }
    document.body.append(form)
  }, fields)
}

async function sharedFilesWaiting (page: Page): Promise<number> {
  return await page.evaluate(async () => (await (await caches.open('pollen-shared-files')).keys()).length)
}

test('two files shared to Pollen are added and the Files screen opens with the share panel; 200 MiB of them grows the node by less than 64 MiB', async ({ page, browser, appUrl }) => {
  test.setTimeout(300_000)
  const big = pseudoRandomBytes(BIG, 16)
  const small = new TextEncoder().encode('a note shared from another app\n')
  const [bigCid, smallCid, bigPath, smallPath] = await Promise.all([
    expectedFileCid(big), expectedFileCid(small),
    writeTempFile('shared-200MiB.bin', big), writeTempFile('shared note.txt', small)
  ])

  await openApp(page, appUrl)
  await shareForm(page, { title: 'holiday', text: '', url: '' })
  await page.locator('form[data-testid="share-form"] input[type="file"]').setInputFiles([bigPath, smallPath])

  // Memory as in import-large-file.spec.ts: the node's SharedWorker, garbage collected before each sample.
  const probe = await SharedWorkerProbe.attach(browser, page)
  const sampling = await probe.sampleMemory()

  await page.evaluate(() => { (document.querySelector('form[data-testid="share-form"]') as HTMLFormElement).submit() })
  const rows = page.getByTestId('file-row')
  await expect(rows.filter({ hasText: 'shared-200MiB.bin' })).toHaveAttribute('data-cid', bigCid, { timeout: 240_000 })
  await expect(rows.filter({ hasText: 'shared note.txt' })).toHaveAttribute('data-cid', smallCid)
  const { baseline, peak } = await sampling.stop()
  await probe.detach()

  expect(page.url()).toMatch(/#\/files$/)
  await expect(page.getByTestId('share-panel')).toBeVisible()
  await expect(page.getByTestId('share-panel').getByRole('heading')).toHaveText(/“(shared-200MiB\.bin|shared note\.txt)”/)
  // Added, so no longer kept by the service worker.
  await expect.poll(async () => await sharedFilesWaiting(page)).toBe(0)

  const growth = peak - baseline
  console.log(`node memory: baseline ${(baseline / 1048576).toFixed(1)} MiB, growth while 200 MiB were shared in ${(growth / 1048576).toFixed(1)} MiB`)
  expect(growth).toBeLessThan(64 * 1024 * 1024)
})

test('shared text becomes a text file, a shared share link opens for consent, and a share that is not a form upload gets 400', async ({ page, appUrl }) => {
  await openApp(page, appUrl)
  await shareForm(page, { title: 'Reading list', text: 'https://example.org/a\nhttps://example.org/b', url: '' })
  await page.evaluate(() => { (document.querySelector('form[data-testid="share-form"]') as HTMLFormElement).submit() })
  const row = page.getByTestId('file-row').filter({ hasText: 'Reading list.txt' })
  await expect(row).toBeVisible()
  await expect(page.getByTestId('share-panel').getByRole('heading')).toHaveText('Share “Reading list.txt”')

  const link = `${appUrl}#/open?cid=bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy&name=hello.txt`
  await shareForm(page, { title: '', text: `look: ${link}`, url: '' })
  await page.evaluate(() => { (document.querySelector('form[data-testid="share-form"]') as HTMLFormElement).submit() })
  await expect(page).toHaveURL(/#\/open\?cid=bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy&name=hello\.txt$/)
  await expect(page.getByTestId('share-offer')).toContainText('hello.txt')

  const refused = await page.evaluate(async () => {
    const response = await fetch('/share-target', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/plain' }, body: '{}' })
    return { status: response.status, text: await response.text() }
  })
  expect(refused.status).toBe(400)
  expect(refused.text).toContain('expected multipart/form-data')
  const truncated = await page.evaluate(async () => {
    const boundary = 'x-boundary'
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="cut.bin"\r\n\r\nonly half of it`
    const response = await fetch('/share-target', { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, accept: 'text/plain' }, body })
    return { status: response.status, text: await response.text() }
  })
  expect(truncated.status).toBe(400)
  expect(truncated.text).toContain('the body ended inside a part')
  expect(await sharedFilesWaiting(page)).toBe(0)
})
