/**
 * Import CAR on the Files screen: a whole DAG is listed and opens; a root
 * the CAR holds only in part is named; a CAR with a block that does not
 * match its CID is refused with what to do, and nothing of it is listed.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CarWriter } from '@ipld/car'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import toBuffer from 'it-to-buffer'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { openApp } from './helpers/app.ts'
import { tempDir } from './helpers/content.ts'
import { expect, test } from './fixtures.ts'

interface Block { cid: CID, bytes: Uint8Array }

async function rawBlock (text: string): Promise<Block> {
  const bytes = new TextEncoder().encode(text)
  return { cid: CID.createV1(raw.code, await sha256.digest(bytes)), bytes }
}

/** A UnixFS directory holding `files` by name. */
async function directory (files: Array<[string, Block]>): Promise<Block> {
  const bytes = dagPb.encode(dagPb.prepare({
    Data: new UnixFS({ type: 'directory' }).marshal(),
    Links: files.map(([Name, block]) => ({ Name, Hash: block.cid, Tsize: block.bytes.byteLength }))
  }))
  return { cid: CID.createV1(dagPb.code, await sha256.digest(bytes)), bytes }
}

async function writeCar (dir: string, name: string, root: CID, blocks: Block[]): Promise<string> {
  const { writer, out } = CarWriter.create([root])
  const written = toBuffer(out)
  for (const block of blocks) await writer.put(block)
  await writer.close()
  const path = join(dir, name)
  await writeFile(path, await written)
  return path
}

test('a CAR is imported block by checked block: a whole DAG is listed and opens, a partial one is named, a forged one is refused', async ({ page, appUrl }) => {
  const dir = await tempDir()
  const hello = await rawBlock('hello from a CAR\n')
  const site = await directory([['hello.txt', hello]])
  const whole = await writeCar(dir, 'album.car', site.cid, [site, hello])

  const missing = await rawBlock('this block is not in the CAR\n')
  const partialRoot = await directory([['gone.txt', missing]])
  const partial = await writeCar(dir, 'partial.car', partialRoot.cid, [partialRoot])

  const forgedBlock = { cid: hello.cid, bytes: new TextEncoder().encode('not what the CID says\n') }
  const forgedRoot = await directory([['forged.txt', forgedBlock]])
  const forged = await writeCar(dir, 'forged.car', forgedRoot.cid, [forgedRoot, forgedBlock])

  await openApp(page, appUrl)
  const jobs = page.getByTestId('import-job')

  await page.getByTestId('car-input').setInputFiles(whole)
  await expect(jobs.filter({ hasText: 'album.car' }).getByTestId('import-status')).toContainText('Imported 2 blocks', { timeout: 60_000 })
  const row = page.getByTestId('file-row').filter({ hasText: 'album' })
  await expect(row).toHaveAttribute('data-cid', site.cid.toString())

  await page.getByTestId('car-input').setInputFiles(partial)
  await expect(jobs.filter({ hasText: 'partial.car' }).getByTestId('car-incomplete')).toContainText('1 root is not whole', { timeout: 60_000 })

  await page.getByTestId('car-input').setInputFiles(forged)
  const refused = jobs.filter({ hasText: 'forged.car' }).getByRole('alert')
  await expect(refused).toContainText(/does not match|CID/i, { timeout: 60_000 })
  await expect(page.getByTestId('file-row').filter({ hasText: 'forged' })).toHaveCount(0)

  // The whole one is content like any other: it opens at its own origin.
  const content = await page.context().newPage()
  await content.goto(`${appUrl}ipfs/${site.cid.toString()}/hello.txt`)
  await expect(content.locator('body')).toHaveText('hello from a CAR')
})
