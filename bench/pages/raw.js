/**
 * Baseline A: the file cut in 1 MiB blocks, each SHA-256'd with WebCrypto and put in IndexedDB
 * (key = hex digest, value = Uint8Array), with nothing else: no CIDs, no DAG, no pins.
 *
 *   best   16 blocks read and hashed in parallel, then put in one readwrite transaction; the next
 *          16 start when that transaction completes
 *   naive  one block at a time: read, hash, one transaction, wait for it to complete
 */
import { benchPage, hex } from './harness.js'

const BLOCK_SIZE = 1024 * 1024
const GROUP = 16
const STORE = 'blocks'

const mode = new URLSearchParams(location.search).get('mode') ?? 'best'
if (mode !== 'best' && mode !== 'naive') throw new Error(`unknown mode ${mode}`)

/** @type {IDBDatabase} */
let db

function openDb () {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(`bench-raw-${mode}`, 1)
    request.onupgradeneeded = () => { request.result.createObjectStore(STORE) }
    request.onsuccess = () => { resolve(request.result) }
    request.onerror = () => { reject(request.error) }
  })
}

/** @param {Array<[string, Uint8Array]>} blocks */
function putAll (blocks) {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, 'readwrite')
    const store = tx.objectStore(STORE)
    for (const [key, value] of blocks) store.put(value, key)
    tx.oncomplete = () => { resolve(undefined) }
    tx.onerror = () => { reject(tx.error) }
    tx.onabort = () => { reject(tx.error ?? new Error('transaction aborted')) }
  })
}

/**
 * @param {File} file
 * @param {number} offset
 * @returns {Promise<[string, Uint8Array]>}
 */
async function readAndHash (file, offset) {
  const buf = await file.slice(offset, offset + BLOCK_SIZE).arrayBuffer()
  const digest = await crypto.subtle.digest('SHA-256', buf)
  return [hex(digest), new Uint8Array(buf)]
}

/** @param {File} file */
async function best (file) {
  let blocks = 0
  for (let offset = 0; offset < file.size; offset += BLOCK_SIZE * GROUP) {
    const group = []
    for (let o = offset; o < Math.min(file.size, offset + BLOCK_SIZE * GROUP); o += BLOCK_SIZE) {
      group.push(readAndHash(file, o))
    }
    const entries = await Promise.all(group)
    await putAll(entries)
    blocks += entries.length
  }
  return blocks
}

/** @param {File} file */
async function naive (file) {
  let blocks = 0
  for (let offset = 0; offset < file.size; offset += BLOCK_SIZE) {
    await putAll([await readAndHash(file, offset)])
    blocks++
  }
  return blocks
}

/** Keys in the store, counted after the clock stopped. */
function countStored () {
  return new Promise((resolve, reject) => {
    const request = db.transaction(STORE, 'readonly').objectStore(STORE).count()
    request.onsuccess = () => { resolve(request.result) }
    request.onerror = () => { reject(request.error) }
  })
}

benchPage(
  async (file) => ({ mode, blocks: await (mode === 'best' ? best(file) : naive(file)) }),
  {
    prepare: async () => { db = await openDb() },
    verify: async () => ({ stored: await countStored() })
  }
)
