/**
 * Turns picked or dropped files into import jobs: each loose file is added on
 * its own; each folder is added whole, keeping its inner paths.
 */
import type { AddArgs, ImportItem } from '../lib/protocol.ts'

/**
 * The path of a picked file inside its folder. Chromium reports backslashes
 * of a name as slashes in webkitRelativePath, so the last segment is taken
 * from `file.name`, which keeps them.
 */
function relativePathOf (file: File): string {
  const relative = file.webkitRelativePath
  const reported = file.name.replaceAll('\\', '/')
  if (!relative.endsWith(reported)) return relative
  return relative.slice(0, relative.length - reported.length) + file.name
}

export function jobsFromFileList (files: FileList | File[]): AddArgs[] {
  const folders = new Map<string, ImportItem[]>()
  const jobs: AddArgs[] = []
  for (const file of Array.from(files)) {
    const relative = relativePathOf(file)
    if (relative.includes('/')) {
      const root = relative.slice(0, relative.indexOf('/'))
      const items = folders.get(root) ?? []
      items.push({ path: relative, file })
      folders.set(root, items)
    } else {
      jobs.push({ name: file.name, kind: 'file', items: [{ path: file.name, file }] })
    }
  }
  for (const [name, items] of folders) jobs.push({ name, kind: 'directory', items })
  return jobs
}

function readAllEntries (reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> {
  return new Promise((resolve, reject) => {
    const all: FileSystemEntry[] = []
    // readEntries returns at most 100 entries per call; keep asking until empty.
    const next = (): void => {
      reader.readEntries(batch => {
        if (batch.length === 0) resolve(all)
        else { all.push(...batch); next() }
      }, reject)
    }
    next()
  })
}

function entryFile (entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => { entry.file(resolve, reject) })
}

async function walk (entry: FileSystemEntry, prefix: string, out: ImportItem[]): Promise<void> {
  const path = prefix === '' ? entry.name : `${prefix}/${entry.name}`
  if (entry.isFile) {
    out.push({ path, file: await entryFile(entry as FileSystemFileEntry) })
  } else if (entry.isDirectory) {
    for (const child of await readAllEntries((entry as FileSystemDirectoryEntry).createReader())) {
      await walk(child, path, out)
    }
  }
}

export async function jobsFromDataTransfer (data: DataTransfer): Promise<AddArgs[]> {
  const entries = Array.from(data.items)
    .filter(item => item.kind === 'file')
    .map(item => ({ entry: item.webkitGetAsEntry(), file: item.getAsFile() }))
  const jobs: AddArgs[] = []
  for (const { entry, file } of entries) {
    if (entry?.isDirectory === true) {
      const items: ImportItem[] = []
      await walk(entry, '', items)
      jobs.push({ name: entry.name, kind: 'directory', items })
    } else if (file != null) {
      jobs.push({ name: file.name, kind: 'file', items: [{ path: file.name, file }] })
    }
  }
  return jobs
}
