import { pseudoRandomBytes, writeTempFile } from './helpers/content.ts'
import { openApp, waitForImport } from './helpers/app.ts'
import { expect, test } from './fixtures.ts'

const MiB = 1024 * 1024

test('a tab closed mid-import cancels its import; the other tab keeps working and nothing half-added stays', async ({ context, appUrl }) => {
  const a = await context.newPage()
  const b = await context.newPage()
  await openApp(a, appUrl)
  await openApp(b, appUrl)
  await b.getByTestId('file-input').setInputFiles({ name: 'before.txt', mimeType: 'text/plain', buffer: Buffer.from('before\n') })
  await waitForImport(b, 'before.txt')
  const blocksBefore = await b.getByTestId('storage').innerText()

  const path = await writeTempFile('abandoned.bin', pseudoRandomBytes(256 * MiB, 21))
  await a.getByTestId('file-input').setInputFiles(path)
  await expect(a.getByTestId('import-status')).toContainText(/MiB of 256 MiB/)
  await a.close()

  // The node notices the tab is gone (its Web Lock is released), aborts the
  // import and collects the blocks it had written.
  await b.reload()
  await openApp(b, appUrl)
  await expect(b.getByTestId('file-row')).toHaveCount(1)
  await expect.poll(async () => await b.getByTestId('storage').innerText(), { timeout: 30_000, intervals: [500] })
    .toContain(/\d+ blocks/.exec(blocksBefore)![0])
  await b.getByTestId('file-input').setInputFiles({ name: 'after.txt', mimeType: 'text/plain', buffer: Buffer.from('after\n') })
  await waitForImport(b, 'after.txt')
  // Had the import gone on without its tab, it would have finished by now.
  await expect(b.getByTestId('file-row')).toHaveText([/after\.txt/, /before\.txt/])
})
