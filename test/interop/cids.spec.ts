/**
 * The same files and folders get the same CIDs in Pollen and in Kubo: a plain `ipfs add` on a
 * Kubo node with Pollen's import profile, unixfs-v1-2025 of IPIP-499 (scripts/kubo.js applies it).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { openApp, waitForImport } from '../e2e/helpers/app.ts'
import { pseudoRandomBytes, tempDir, writeTempFile } from '../e2e/helpers/content.ts'
import { expect, test } from '../e2e/fixtures.ts'
import { startKubo, type Kubo } from '../../scripts/kubo.js'

let kubo: Kubo
test.beforeAll(async ({ appUrl }) => { kubo = await startKubo(new URL(appUrl).origin) })
test.afterAll(async () => { await kubo?.stop() })

async function kuboCid (path: string, recursive = false): Promise<string> {
  return (await kubo.ipfs(['add', '-Q', ...(recursive ? ['-r'] : []), path])).toString().trim()
}

test('files of 1 KiB, 10 MiB and 1,030 MiB (more chunks than the 1,024 links a node may hold) get Kubo\'s CIDs', async ({ page, appUrl }) => {
  test.setTimeout(240_000)
  await openApp(page, appUrl)
  for (const [name, size] of [['small.bin', 1024], ['ten.bin', 10 * 1024 * 1024], ['wide.bin', 1030 * 1024 * 1024]] as const) {
    const path = await writeTempFile(name, pseudoRandomBytes(size, size % 997))
    try {
      await page.getByTestId('file-input').setInputFiles(path)
      expect(await waitForImport(page, name, 180_000), name).toBe(await kuboCid(path))
    } finally {
      await rm(path)
    }
  }
})

test('a folder with a subfolder, and a folder just large enough to be a HAMT shard, get Kubo\'s CIDs', async ({ page, appUrl }) => {
  test.setTimeout(240_000)
  const root = await tempDir()
  const nested = join(root, 'nested folder')
  await mkdir(join(nested, 'sub'), { recursive: true })
  await writeFile(join(nested, 'a.txt'), 'a\n')
  await writeFile(join(nested, 'sub', 'b.bin'), pseudoRandomBytes(3 * 1024 * 1024, 5))
  // Near the 256 KiB threshold, where the size estimate decides: 4,200 links of 57 bytes of name
  // and CID (239 KB, a plain directory by Kubo's default `links` estimate) make a directory block
  // of about 273 KB (a HAMT shard by the profile's `block` estimate, and by Pollen's).
  const sharded = join(root, 'many')
  await mkdir(sharded)
  for (let i = 0; i < 4200; i++) await writeFile(join(sharded, `file-number-${String(i).padStart(5, '0')}.txt`), `${i}\n`)

  await openApp(page, appUrl)
  for (const [name, dir] of [['nested folder', nested], ['many', sharded]]) {
    await page.getByTestId('folder-input').setInputFiles(dir)
    expect(await waitForImport(page, name, 180_000), name).toBe(await kuboCid(dir, true))
  }
  // The large one really is a HAMT shard: at most 256 links at its root, each name led by two hex digits.
  const shardRoot = JSON.parse((await kubo.ipfs(['dag', 'get', await kuboCid(sharded, true)])).toString()) as { Links: Array<{ Name: string }> }
  expect(shardRoot.Links.length).toBeLessThanOrEqual(256)
  expect(shardRoot.Links.every(link => /^[0-9A-F]{2}/.test(link.Name))).toBe(true)
})
