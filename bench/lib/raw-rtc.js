// @ts-check
/**
 * The raw pipe of bench/transfer.js's browser → browser way: an RTCDataChannel between two pages,
 * with or without the storage work any two nodes must add.
 */

import { BLOCK, RAW_STORE_PATH } from './raw-store.js'

/** @typedef {import('@playwright/test').Page} Page */
/** @typedef {{ ms: number, gapMs?: number }} RawResult */
/** @typedef {typeof import('./raw-store.js')} RawStore */

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
 * and stores it (bench/lib/raw-store.js), timed to the last commit.
 * @param {Page} pageA
 * @param {Page} pageB
 * @param {number} size
 * @param {{ stored?: boolean }} [options]
 * @returns {Promise<RawResult>}
 */
export async function rawRtc (pageA, pageB, size, options = {}) {
  const stored = options.stored === true
  // Each page waits for its own candidates, so one description carries them all.
  const offer = await pageA.evaluate(async ({ stored, size, storePath }) => {
    const bench = /** @type {any} */ (globalThis)
    const pc = new RTCPeerConnection()
    bench.benchPc = pc
    bench.benchDc = pc.createDataChannel('bench', { negotiated: true, id: 0 })
    bench.benchDb = undefined
    if (stored) {
      const store = /** @type {RawStore} */ (await import(storePath))
      bench.benchDb = await store.openDatabase()
      await store.putRandomBlocks(bench.benchDb, size)
    }
    await pc.setLocalDescription(await pc.createOffer())
    while (pc.iceGatheringState !== 'complete') await new Promise(resolve => { pc.onicegatheringstatechange = resolve })
    return pc.localDescription?.toJSON()
  }, { stored, size, storePath: RAW_STORE_PATH })
  const answer = await pageB.evaluate(async ({ offer, size, stored, block, storePath }) => {
    const bench = /** @type {any} */ (globalThis)
    const pc = new RTCPeerConnection()
    bench.benchPc = pc
    const dc = pc.createDataChannel('bench', { negotiated: true, id: 0 })
    dc.binaryType = 'arraybuffer'
    const store = stored ? /** @type {RawStore} */ (await import(storePath)) : undefined
    bench.benchDb = await store?.openDatabase()
    const storer = store == null ? undefined : new store.BlockStorer(bench.benchDb)
    let received = 0
    let last = 0
    let gapMs = 0
    // The block being put back together: the sender's messages never cross a block's end.
    let current = new Uint8Array(Math.min(block, size))
    let filled = 0
    bench.benchReceived = new Promise((resolve, reject) => {
      dc.onmessage = event => {
        const now = performance.timeOrigin + performance.now()
        if (last > 0) gapMs = Math.max(gapMs, now - last)
        last = now
        received += event.data.byteLength
        if (storer != null) {
          current.set(new Uint8Array(event.data), filled)
          filled += event.data.byteLength
          if (filled === current.length) {
            storer.add(current)
            current = new Uint8Array(Math.min(block, size - received))
            filled = 0
          }
        }
        if (received < size) return
        if (storer == null) { resolve({ finished: now, gapMs }); return }
        storer.flush().then(() => { resolve({ finished: performance.timeOrigin + performance.now(), gapMs }) }, reject)
      }
    })
    await pc.setRemoteDescription(/** @type {RTCSessionDescriptionInit} */ (offer))
    await pc.setLocalDescription(await pc.createAnswer())
    while (pc.iceGatheringState !== 'complete') await new Promise(resolve => { pc.onicegatheringstatechange = resolve })
    return pc.localDescription?.toJSON()
  }, { offer, size, stored, block: BLOCK, storePath: RAW_STORE_PATH })
  const started = await pageA.evaluate(async ({ answer, size, queue, refill, block, storePath }) => {
    const bench = /** @type {any} */ (globalThis)
    const pc = /** @type {RTCPeerConnection} */ (bench.benchPc)
    const dc = /** @type {RTCDataChannel} */ (bench.benchDc)
    await pc.setRemoteDescription(/** @type {RTCSessionDescriptionInit} */ (answer))
    if (dc.readyState !== 'open') await new Promise(resolve => { dc.onopen = resolve })
    const db = /** @type {IDBDatabase | undefined} */ (bench.benchDb)
    const store = db == null ? undefined : /** @type {RawStore} */ (await import(storePath))
    const random = new Uint8Array(db == null ? block : 0)
    for (let at = 0; at < random.length; at += 65536) crypto.getRandomValues(random.subarray(at, at + 65536))
    const read = async (/** @type {number} */ i) => db == null || store == null ? random.subarray(0, Math.min(block, size - i * block)) : await store.readBlock(db, i)
    const message = 64 * 1024
    dc.bufferedAmountLowThreshold = refill
    const started = performance.timeOrigin + performance.now()
    let next = read(0)
    for (let i = 0; i * block < size; i++) {
      const bytes = await next
      if ((i + 1) * block < size) next = read(i + 1)
      for (let at = 0; at < bytes.length; at += message) {
        if (dc.bufferedAmount > queue) await new Promise(resolve => { dc.onbufferedamountlow = resolve })
        dc.send(bytes.subarray(at, at + message))
      }
    }
    return started
  }, { answer, size, queue: RAW_RTC_QUEUE, refill: RAW_RTC_REFILL, block: BLOCK, storePath: RAW_STORE_PATH })
  /** @type {{ finished: number, gapMs: number }} */
  const { finished, gapMs } = await pageB.evaluate(async () => await /** @type {any} */ (globalThis).benchReceived)
  await Promise.all([pageA, pageB].map(page => page.evaluate(async storePath => {
    const bench = /** @type {any} */ (globalThis)
    bench.benchPc.close()
    if (bench.benchDb != null) await /** @type {RawStore} */ (await import(storePath)).deleteDatabase(bench.benchDb)
  }, RAW_STORE_PATH)))
  return { ms: finished - started, gapMs }
}
