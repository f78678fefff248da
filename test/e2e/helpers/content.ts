/** Test content made and checked in Node.js, independently of the app. */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BlackHoleBlockstore } from 'blockstore-core/black-hole'
import { importer } from 'ipfs-unixfs-importer'
import { IMPORT_OPTIONS } from '../../../src/lib/import-profile.ts'

/** Deterministic pseudo-random bytes (xorshift), so runs are comparable. */
export function pseudoRandomBytes (size: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(size)
  let x = seed >>> 0 || 1
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13; x >>>= 0
    x ^= x >>> 17
    x ^= x << 5; x >>>= 0
    if (i + 4 <= size) out.writeUInt32LE(x, i)
    else for (let j = i; j < size; j++) out[j] = (x >>> ((j - i) * 8)) & 0xff
  }
  return out
}

export async function tempDir (prefix = 'pollen-test-'): Promise<string> {
  return await mkdtemp(join(tmpdir(), prefix))
}

export async function writeTempFile (name: string, bytes: Uint8Array): Promise<string> {
  const path = join(await tempDir(), name)
  await writeFile(path, bytes)
  return path
}

export async function sha256File (path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk)
  return hash.digest('hex')
}

export function sha256 (bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

/** The CID ipfs-unixfs-importer computes for these bytes with Pollen's profile. */
export async function expectedFileCid (bytes: Uint8Array): Promise<string> {
  let cid = ''
  for await (const entry of importer([{ content: bytes }], new BlackHoleBlockstore(), { ...IMPORT_OPTIONS })) cid = entry.cid.toString()
  return cid
}

/** The CID of a folder: `files` maps relative paths to bytes. */
export async function expectedFolderCid (name: string, files: Map<string, Uint8Array>): Promise<string> {
  const candidates = [...files].map(([path, content]) => ({ path: `${name}/${path}`, content }))
  let cid = ''
  for await (const entry of importer(candidates, new BlackHoleBlockstore(), { ...IMPORT_OPTIONS })) {
    if (entry.path === name) cid = entry.cid.toString()
  }
  return cid
}
