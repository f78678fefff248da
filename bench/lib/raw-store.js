// @ts-check
/**
 * The storage work of the benchmark's stored raw pipes, the least any node must do with a block
 * (bench/transfer.js): read it from IndexedDB where a browser sends, hash it and store it where a
 * browser receives. Loaded with import() by the pages (bench/lib/raw-rtc.js) and by the raw pipe's
 * worker (bench/lib/raw-pipe-worker.js), served at RAW_STORE_PATH of the app's origin.
 */

/** Where this module is served on the app's origin (copied into the app's root before the runs). */
export const RAW_STORE_PATH = '/bench/raw-store.js'

/** Blocks stored per IndexedDB transaction, as the import's best raw pipeline (bench/import.js). */
export const STORE_BATCH = 16

/** The size of a block. */
export const BLOCK = 1024 * 1024

/**
 * A new database of this pipe's own, with one object store of blocks.
 * @returns {Promise<IDBDatabase>}
 */
export async function openDatabase () {
  return await new Promise((resolve, reject) => {
    const open = indexedDB.open(`raw-store-${Math.random().toString(36).slice(2)}`, 1)
    open.onupgradeneeded = () => { open.result.createObjectStore('blocks') }
    open.onsuccess = () => { resolve(open.result) }
    open.onerror = () => { reject(open.error) }
  })
}

/** @param {IDBDatabase} db */
export async function deleteDatabase (db) {
  db.close()
  await new Promise(resolve => { const deleting = indexedDB.deleteDatabase(db.name); deleting.onsuccess = resolve; deleting.onerror = resolve })
}

/**
 * Puts `size` pseudo-random bytes in `db` as blocks 0, 1, … of BLOCK bytes, in one transaction.
 * @param {IDBDatabase} db
 * @param {number} size
 */
export async function putRandomBlocks (db, size) {
  const tx = db.transaction('blocks', 'readwrite')
  for (let i = 0; i * BLOCK < size; i++) {
    const bytes = new Uint8Array(Math.min(BLOCK, size - i * BLOCK))
    for (let at = 0; at < bytes.length; at += 65536) crypto.getRandomValues(bytes.subarray(at, at + 65536))
    tx.objectStore('blocks').put(bytes, i)
  }
  await new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => { reject(tx.error) } })
}

/**
 * Block `i` of `db`, as putRandomBlocks put it.
 * @param {IDBDatabase} db
 * @param {number} i
 * @returns {Promise<Uint8Array<ArrayBuffer>>}
 */
export async function readBlock (db, i) {
  return await new Promise((resolve, reject) => {
    const request = db.transaction('blocks').objectStore('blocks').get(i)
    request.onsuccess = () => { resolve(request.result) }
    request.onerror = () => { reject(request.error) }
  })
}

/** Stores each block it is given under its SHA-256 (WebCrypto), STORE_BATCH per transaction. */
export class BlockStorer {
  /** @type {Array<Promise<{ key: ArrayBuffer, bytes: BufferSource }>>} */
  #batch = []
  /** @type {Array<Promise<unknown>>} */
  #commits = []

  /** @param {IDBDatabase} db */
  constructor (db) {
    this.db = db
  }

  /** @param {ArrayBuffer | Uint8Array<ArrayBuffer>} bytes */
  add (bytes) {
    this.#batch.push(crypto.subtle.digest('SHA-256', bytes).then(key => ({ key, bytes })))
    if (this.#batch.length === STORE_BATCH) this.#commit()
  }

  /** Commits what is left and waits for every commit. */
  async flush () {
    if (this.#batch.length > 0) this.#commit()
    await Promise.all(this.#commits)
  }

  #commit () {
    const hashed = this.#batch
    this.#batch = []
    this.#commits.push(Promise.all(hashed).then(async blocks => await new Promise((resolve, reject) => {
      const tx = this.db.transaction('blocks', 'readwrite')
      for (const { key, bytes } of blocks) tx.objectStore('blocks').put(bytes, key)
      tx.oncomplete = resolve
      tx.onerror = () => { reject(tx.error) }
    })))
  }
}
