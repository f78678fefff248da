/**
 * A folder as a CAR file, for Import CAR: WebDriver BiDi cannot set a
 * directory on a folder input, so Firefox tests bring folders in as the
 * blocks of a DAG (ipfs-unixfs-importer's, as `ipfs add -r` would make them).
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CarWriter } from '@ipld/car'
import { importer } from 'ipfs-unixfs-importer'
import toBuffer from 'it-to-buffer'
import type { CID } from 'multiformats/cid'
import { tempDir } from '../../e2e/helpers/content.ts'

/** Writes `files` (path → content) as a folder named `name` in a CAR; returns its path and root CID. */
export async function folderCar (name: string, files: Record<string, string | Uint8Array>): Promise<{ path: string, cid: string }> {
  const blocks: Array<{ cid: CID, bytes: Uint8Array }> = []
  const blockstore = {
    put: async (cid: CID, bytes: Uint8Array) => { blocks.push({ cid, bytes }); return cid },
    has: async () => false
  }
  const entries = Object.entries(files).map(([path, content]) => ({
    path: `${name}/${path}`,
    content: typeof content === 'string' ? new TextEncoder().encode(content) : content
  }))
  let root: CID | undefined
  for await (const entry of importer(entries, blockstore as never, { cidVersion: 1, rawLeaves: true })) {
    if (entry.path === name) root = entry.cid
  }
  if (root == null) throw new Error(`the importer named no root for ${name}`)
  const { writer, out } = CarWriter.create([root])
  const bytes = toBuffer(out)
  for (const block of blocks) await writer.put(block)
  await writer.close()
  const path = join(await tempDir(), `${name}.car`)
  await writeFile(path, await bytes)
  return { path, cid: root.toString() }
}
