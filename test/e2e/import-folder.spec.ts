import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { expectedFileCid, expectedFolderCid, tempDir } from './helpers/content.ts'
import { openApp, openPath, waitForImport } from './helpers/app.ts'
import { expect, test } from './fixtures.ts'

const FILES = 1000
const FOLDER = 'tricky folder ✿'

/** Names a careless listing would mangle or execute. */
function trickyName (i: number): string {
  const n = String(i).padStart(4, '0')
  switch (i % 5) {
    case 0: return `plain file ${n}.txt`
    case 1: return `ünïcødé 文件 🌼 ${n}.txt`
    case 2: return `<script>window.__pwned=${i}<\\script> ${n}.html`
    case 3: return `<img src=x onerror=window.__pwned=${i}> ${n}`
    default: return `..${n}.. ../like & "quotes" 'too'`.replace(/\//g, '∕')
  }
}

test('a folder of 1,000 files with tricky names is added, listed escaped, and keeps its exact structure', async ({ page, appUrl }) => {
  const root = await tempDir()
  const dir = join(root, FOLDER)
  await mkdir(join(dir, 'sub dir'), { recursive: true })
  const files = new Map<string, Uint8Array>()
  for (let i = 0; i < FILES; i++) {
    const relative = i % 100 === 99 ? `sub dir/${trickyName(i)}` : trickyName(i)
    const bytes = new TextEncoder().encode(`file ${i}: ${relative}\n`)
    files.set(relative, bytes)
    await writeFile(join(dir, relative), bytes)
  }
  const expected = await expectedFolderCid(FOLDER, files)

  const dialogs: string[] = []
  page.on('dialog', dialog => { dialogs.push(dialog.message()); void dialog.dismiss() })
  await openApp(page, appUrl)
  await page.getByTestId('folder-input').setInputFiles(dir)
  const cid = await waitForImport(page, FOLDER)
  expect(cid).toBe(expected)
  await expect(page.getByTestId('file-row').filter({ hasText: FOLDER })).toContainText(`${FILES} files`)

  await openPath(page, `/ipfs/${cid}`)
  const entries = page.getByTestId('dir-entry')
  // 990 files at the top and one sub folder holding the other 10: nothing landed elsewhere.
  await expect(entries).toHaveCount(FILES - FILES / 100 + 1)
  await expect(entries.filter({ hasText: '<script>window.__pwned=2<\\script> 0002.html' })).toHaveCount(1)
  await expect(entries.filter({ hasText: '<img src=x onerror=window.__pwned=3> 0003' })).toHaveCount(1)
  await expect(entries.filter({ hasText: 'ünïcødé 文件 🌼 0001.txt' })).toHaveCount(1)
  expect(await page.evaluate(() => (window as any).__pwned)).toBeUndefined()
  expect(await page.locator('main script, main img:not(.preview)').count()).toBe(0)

  await entries.filter({ hasText: 'sub dir' }).getByRole('button').click()
  await expect(page.getByTestId('dir-entry')).toHaveCount(FILES / 100)
  expect(dialogs).toEqual([])
})

test('dropped files whose names hold ../ are added under their last plain segment', async ({ page, appUrl }) => {
  await openApp(page, appUrl)
  await page.getByTestId('dropzone').evaluate(zone => {
    const data = new DataTransfer()
    data.items.add(new File(['escape attempt\n'], '../../escape.txt', { type: 'text/plain' }))
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }))
  })
  const cid = await waitForImport(page, 'escape.txt')
  await expect(page.getByTestId('file-row').filter({ hasText: '..' })).toHaveCount(0)
  // A single file's CID is that of its bytes alone: its name cannot place it anywhere.
  expect(cid).toBe(await expectedFileCid(new TextEncoder().encode('escape attempt\n')))
  await openPath(page, `/ipfs/${cid}`)
  await expect(page.getByTestId('text-preview')).toHaveText('escape attempt\n')
})
