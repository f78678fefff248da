/**
 * Files that reach Pollen from the system rather than from its own buttons:
 * shared to it from another app (Web Share Target, through the service
 * worker's cache: src/lib/shared-files.ts) or opened with it from the desktop
 * (File Handling's launchQueue). Both are added like picked files, and the
 * Files screen opens with the share panel of the first one.
 */
import { SHARED_BATCH_PARAM, SHARED_FILES_CACHE, SHARED_NAME_HEADER, parseSharedFileUrl } from '../lib/shared-files.ts'
import type { LibraryState } from './state/library.svelte.ts'

interface LaunchParams {
  readonly files: readonly FileSystemHandle[]
}

interface LaunchQueue {
  setConsumer: (consumer: (params: LaunchParams) => void) => void
}

export function receiveIncomingFiles (library: LibraryState): void {
  void addSharedBatches(library, batchInHash()).catch(err => { console.warn('Pollen: could not add shared files:', err) })
  const launchQueue = (window as { launchQueue?: LaunchQueue }).launchQueue
  launchQueue?.setConsumer(params => {
    void openedFiles(params).then(async files => {
      if (files.length > 0) await library.receive(files)
    })
  })
}

/** The files a launch hands over: file handles only (a folder dropped on the app icon is not a file). */
async function openedFiles (params: LaunchParams): Promise<File[]> {
  const handles = params.files.filter((handle): handle is FileSystemFileHandle => handle.kind === 'file')
  return await Promise.all(handles.map(async handle => await handle.getFile()))
}

/** The batch named by `#/files?shared=<batch>`, the share target's landing place. */
function batchInHash (): string | undefined {
  const query = location.hash.split('?')[1]
  return query == null ? undefined : new URLSearchParams(query).get(SHARED_BATCH_PARAM) ?? undefined
}

/**
 * Adds every waiting batch: the one just shared, and any a closed tab left
 * half-added. One page takes a batch at a time (a Web Lock per batch), and
 * deletes it once its adds have ended.
 */
async function addSharedBatches (library: LibraryState, arrived: string | undefined): Promise<void> {
  if (!('caches' in window)) return
  const cache = await caches.open(SHARED_FILES_CACHE)
  const batches = new Map<string, { files: Request[], complete?: Request }>()
  for (const request of await cache.keys()) {
    const at = parseSharedFileUrl(request.url)
    if (at == null) continue
    const batch = batches.get(at.batch) ?? { files: [] }
    if (at.index === 'complete') batch.complete = request
    else batch.files[at.index] = request
    batches.set(at.batch, batch)
  }
  if (arrived != null) history.replaceState(null, '', '#/files')
  // The batch just shared goes first; one still being written (no marker yet) waits for its own page.
  const order = [...batches.keys()].filter(id => batches.get(id)!.complete != null).sort((a, b) => (a === arrived ? -1 : b === arrived ? 1 : 0))
  for (const id of order) {
    await navigator.locks.request(`pollen-shared-files:${id}`, { ifAvailable: true }, async lock => {
      if (lock == null) return
      const { files: requests, complete } = batches.get(id)!
      // Another page may have added it between the listing and the lock.
      if (await cache.match(complete!) == null) return
      const stored = requests.filter(request => request != null)
      const files = (await Promise.all(stored.map(async request => await storedFile(cache, request)))).filter((file): file is File => file != null)
      if (files.length > 0) await library.receive(files)
      for (const request of [...stored, complete!]) await cache.delete(request)
    })
  }
}

async function storedFile (cache: Cache, request: Request): Promise<File | undefined> {
  const response = await cache.match(request)
  if (response == null) return undefined
  // The blob refers to the cache's copy on disk; nothing is read into memory here.
  const blob = await response.blob()
  const name = decodeURIComponent(response.headers.get(SHARED_NAME_HEADER) ?? 'shared file')
  return new File([blob], name, { type: response.headers.get('content-type') ?? '' })
}
