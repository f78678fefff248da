import { openApp, openPath, peerId, waitForImport } from './helpers/app.ts'
import { SharedWorkerProbe } from './helpers/shared-worker.ts'
import { expect, test } from './fixtures.ts'

test('after a reload the node keeps its peer ID, its file list and the content', async ({ page, appUrl }) => {
  await openApp(page, appUrl)
  const id = await peerId(page)
  await page.goto(`${appUrl}#/files`)
  await page.getByTestId('file-input').setInputFiles({ name: 'keep me.txt', mimeType: 'text/plain', buffer: Buffer.from('still here after a reload\n') })
  const cid = await waitForImport(page, 'keep me.txt')

  await page.reload()
  await openApp(page, appUrl)
  await expect(page.getByTestId('file-row').filter({ hasText: 'keep me.txt' })).toHaveAttribute('data-cid', cid)
  expect(await peerId(page)).toBe(id)
  await openPath(page, `/ipfs/${cid}`)
  await expect(page.getByTestId('text-preview')).toHaveText('still here after a reload\n')
})

test('every tab was closed: the next visit gets the same peer ID', async ({ context, appUrl }) => {
  const first = await context.newPage()
  await openApp(first, appUrl)
  const id = await peerId(first)
  await first.close()
  // The SharedWorker ends some time after its last tab; the key must come back from IndexedDB.
  await SharedWorkerProbe.stopAll(context.browser()!)
  await expect.poll(async () => (await SharedWorkerProbe.sharedWorkers(context.browser()!)).length).toBe(0)
  const second = await context.newPage()
  await openApp(second, appUrl)
  expect(await peerId(second)).toBe(id)
})

test('two tabs share one node; closing one leaves the other working', async ({ context, browser, appUrl }) => {
  const a = await context.newPage()
  const b = await context.newPage()
  await openApp(a, appUrl)
  await openApp(b, appUrl)
  expect(await peerId(a)).toBe(await peerId(b))
  expect(await SharedWorkerProbe.sharedWorkers(browser)).toHaveLength(1)
  await expect(a.getByTestId('node-screen')).toHaveAttribute('data-starts', '1')

  // A file added in one tab appears in the other without a reload.
  await a.goto(`${appUrl}#/files`)
  await b.goto(`${appUrl}#/files`)
  await a.getByTestId('file-input').setInputFiles({ name: 'from tab a.txt', mimeType: 'text/plain', buffer: Buffer.from('a\n') })
  await waitForImport(a, 'from tab a.txt')
  await expect(b.getByTestId('file-row').filter({ hasText: 'from tab a.txt' })).toBeVisible()

  await a.close()
  await b.getByTestId('file-input').setInputFiles({ name: 'from tab b.txt', mimeType: 'text/plain', buffer: Buffer.from('b\n') })
  await waitForImport(b, 'from tab b.txt')
  await b.goto(`${appUrl}#/node`)
  await expect(b.getByTestId('node-screen')).toHaveAttribute('data-starts', '1')
})
