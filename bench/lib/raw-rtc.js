// @ts-check
/**
 * The raw pipe of bench/transfer.js's browser → browser way: an RTCDataChannel between two pages,
 * with or without the storage work any two nodes must add.
 */

/** @typedef {import('@playwright/test').Page} Page */
/** @typedef {{ ms: number, gapMs?: number }} RawResult */

const MiB = 1024 * 1024

/** Blocks per IndexedDB transaction in the stored raw pipes, as the import's best raw pipeline (bench/import.js); bench/lib/raw-pipe-worker.js has its own. */
export const STORE_BATCH = 16

/**
 * What the raw data channel keeps queued: it sends while the channel holds at most RAW_RTC_QUEUE
 * bytes and then waits for it to fall to RAW_RTC_REFILL. The raw pipe's best on this machine
 * (2026-12-05, 64 MiB of 64 KiB messages, 4 runs each, one core kept busy by another process):
 * 64 KiB, 21 MiB/s and no pause over 250 ms; 256 KiB, 17 MiB/s; 4 MiB, 12 to 15 MiB/s with three
 * to six pauses of 400 ms or more in every run (a larger queue leaves SCTP bursts that overflow the
 * UDP socket, whose lost packets wait out SCTP's 400 ms minimum retransmission timeout). Idle, in
 * full runs: 64 KiB 29.6 MiB/s, 4 MiB 15.6 (bench/RESULTS.md).
 */
const RAW_RTC_QUEUE = 64 * 1024
const RAW_RTC_REFILL = 16 * 1024

/**
 * A raw RTCDataChannel from page A to page B, signalled by the driver with complete descriptions
 * (no trickle); milliseconds from the first send to B holding `size` bytes, and B's longest gap
 * between messages (SCTP's pauses on loopback). With `stored`, the least work any two nodes must
 * add: A holds `size` bytes as 1 MiB blocks in IndexedDB (put there before the clock starts) and
 * reads each (one read ahead) before sending it, and B puts each block back together, hashes it
 * (WebCrypto SHA-256) and stores it, STORE_BATCH per transaction, timed to the last commit.
 * @param {Page} pageA
 * @param {Page} pageB
 * @param {number} size
 * @param {{ stored?: boolean }} [options]
 * @returns {Promise<RawResult>}
 */
export async function rawRtc (pageA, pageB, size, options = {}) {
  const stored = options.stored === true
  const database = `raw-rtc-${Math.random().toString(36).slice(2)}`
  // Each page waits for its own candidates, so one description carries them all.
  const offer = await pageA.evaluate(async ({ stored, database, size, block }) => {
    const bench = /** @type {any} */ (globalThis)
    const pc = new RTCPeerConnection()
    bench.benchPc = pc
    bench.benchDc = pc.createDataChannel('bench', { negotiated: true, id: 0 })
    bench.benchDb = undefined
    if (stored) {
      const db = /** @type {IDBDatabase} */ (await new Promise((resolve, reject) => {
        const open = indexedDB.open(database, 1)
        open.onupgradeneeded = () => { open.result.createObjectStore('blocks') }
        open.onsuccess = () => { resolve(open.result) }
        open.onerror = () => { reject(open.error) }
      }))
      const tx = db.transaction('blocks', 'readwrite')
      for (let i = 0; i * block < size; i++) {
        const bytes = new Uint8Array(Math.min(block, size - i * block))
        for (let at = 0; at < bytes.length; at += 65536) crypto.getRandomValues(bytes.subarray(at, at + 65536))
        tx.objectStore('blocks').put(bytes, i)
      }
      await new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onerror = () => { reject(tx.error) } })
      bench.benchDb = db
    }
    await pc.setLocalDescription(await pc.createOffer())
    while (pc.iceGatheringState !== 'complete') await new Promise(resolve => { pc.onicegatheringstatechange = resolve })
    return pc.localDescription?.toJSON()
  }, { stored, database, size, block: MiB })
  const answer = await pageB.evaluate(async ({ offer, size, stored, database, block, batchSize }) => {
    const bench = /** @type {any} */ (globalThis)
    const pc = new RTCPeerConnection()
    bench.benchPc = pc
    const dc = pc.createDataChannel('bench', { negotiated: true, id: 0 })
    dc.binaryType = 'arraybuffer'
    /** @type {IDBDatabase | undefined} */
    const db = !stored
      ? undefined
      : await new Promise((resolve, reject) => {
        const open = indexedDB.open(`${database}-received`, 1)
        open.onupgradeneeded = () => { open.result.createObjectStore('blocks') }
        open.onsuccess = () => { resolve(open.result) }
        open.onerror = () => { reject(open.error) }
      })
    bench.benchDb = db
    let received = 0
    let last = 0
    let gapMs = 0
    // stored: the block being put back together, the hashed blocks of the next transaction, the commits
    let current = new Uint8Array(Math.min(block, size))
    let filled = 0
    /** @type {Array<Promise<{ key: ArrayBuffer, bytes: Uint8Array }>>} */
    let batch = []
    /** @type {Array<Promise<unknown>>} */
    const commits = []
    const commit = (/** @type {typeof batch} */ hashed) => {
      commits.push(Promise.all(hashed).then(async blocks => await new Promise((resolve, reject) => {
        const tx = /** @type {IDBDatabase} */ (db).transaction('blocks', 'readwrite')
        for (const { key, bytes } of blocks) tx.objectStore('blocks').put(bytes, key)
        tx.oncomplete = resolve
        tx.onerror = () => { reject(tx.error) }
      })))
    }
    bench.benchReceived = new Promise((resolve, reject) => {
      dc.onmessage = event => {
        const now = performance.timeOrigin + performance.now()
        if (last > 0) gapMs = Math.max(gapMs, now - last)
        last = now
        received += event.data.byteLength
        if (stored) {
          current.set(new Uint8Array(event.data), filled)
          filled += event.data.byteLength
          if (filled === current.length) {
            const bytes = current
            batch.push(crypto.subtle.digest('SHA-256', bytes).then(digest => ({ key: digest, bytes })))
            if (batch.length === batchSize || received >= size) { commit(batch); batch = [] }
            current = new Uint8Array(Math.min(block, size - received))
            filled = 0
          }
        }
        if (received < size) return
        if (!stored) { resolve({ finished: now, gapMs }); return }
        Promise.all(commits).then(() => { resolve({ finished: performance.timeOrigin + performance.now(), gapMs }) }, reject)
      }
    })
    await pc.setRemoteDescription(/** @type {RTCSessionDescriptionInit} */ (offer))
    await pc.setLocalDescription(await pc.createAnswer())
    while (pc.iceGatheringState !== 'complete') await new Promise(resolve => { pc.onicegatheringstatechange = resolve })
    return pc.localDescription?.toJSON()
  }, { offer, size, stored, database, block: MiB, batchSize: STORE_BATCH })
  const started = await pageA.evaluate(async ({ answer, size, queue, refill, stored, block }) => {
    const bench = /** @type {any} */ (globalThis)
    const pc = /** @type {RTCPeerConnection} */ (bench.benchPc)
    const dc = /** @type {RTCDataChannel} */ (bench.benchDc)
    await pc.setRemoteDescription(/** @type {RTCSessionDescriptionInit} */ (answer))
    if (dc.readyState !== 'open') await new Promise(resolve => { dc.onopen = resolve })
    const random = new Uint8Array(stored ? 0 : block)
    for (let at = 0; at < random.length; at += 65536) crypto.getRandomValues(random.subarray(at, at + 65536))
    const read = async (/** @type {number} */ i) => {
      if (!stored) return random.subarray(0, Math.min(block, size - i * block))
      return await new Promise((resolve, reject) => {
        const request = /** @type {IDBDatabase} */ (bench.benchDb).transaction('blocks').objectStore('blocks').get(i)
        request.onsuccess = () => { resolve(request.result) }
        request.onerror = () => { reject(request.error) }
      })
    }
    const message = 64 * 1024
    dc.bufferedAmountLowThreshold = refill
    const started = performance.timeOrigin + performance.now()
    let next = read(0)
    for (let i = 0; i * block < size; i++) {
      const bytes = /** @type {Uint8Array<ArrayBuffer>} */ (await next)
      if ((i + 1) * block < size) next = read(i + 1)
      for (let at = 0; at < bytes.length; at += message) {
        if (dc.bufferedAmount > queue) await new Promise(resolve => { dc.onbufferedamountlow = resolve })
        dc.send(bytes.subarray(at, at + message))
      }
    }
    return started
  }, { answer, size, queue: RAW_RTC_QUEUE, refill: RAW_RTC_REFILL, stored, block: MiB })
  /** @type {{ finished: number, gapMs: number }} */
  const { finished, gapMs } = await pageB.evaluate(async () => await /** @type {any} */ (globalThis).benchReceived)
  await Promise.all([pageA, pageB].map(page => page.evaluate(async () => {
    const bench = /** @type {any} */ (globalThis)
    bench.benchPc.close()
    const db = /** @type {IDBDatabase | undefined} */ (bench.benchDb)
    if (db == null) return
    db.close()
    await new Promise(resolve => { const deleting = indexedDB.deleteDatabase(db.name); deleting.onsuccess = resolve; deleting.onerror = resolve })
  })))
  return { ms: finished - started, gapMs }
}
