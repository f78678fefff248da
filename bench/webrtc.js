#!/usr/bin/env node
// @ts-check
/**
 * WebRTC benchmark (issue 4): SIZE MiB from one browser node to another over a direct WebRTC
 * connection, made by the node in each SharedWorker through the peer connections its page hosts
 * (src/node/webrtc-shim.ts), as a ratio to a raw RTCDataChannel between the same two pages, in the
 * same run, RUNS times in alternating order. Both are fresh connections, so both pay SCTP's warm-up
 * (and its pauses: on loopback in headless Chromium a data channel stops for about 400 ms several
 * times per 64 MiB, which the raw figure reports as "stalled").
 *
 *   pollen   context A added the file; context B (app open, node up) opens A's share link: dial
 *            through the relay, upgrade to /webrtc, bitswap, verify, store (content.fetch). Timed in
 *            the driver from the click on Fetch to the job's "done"; also the time to the first byte the
 *            sharer served over the direct connection.
 *   raw      page A and page B open a new RTCPeerConnection pair (signalled by the driver) and A
 *            sends as many bytes over one data channel in 64 KiB messages, at most 4 MiB buffered;
 *            timed from the first send to B's count reaching SIZE.
 *
 * Run by `npm run bench`; alone, once the app is built into bench/out/dist/:
 *   node bench/webrtc.js [--runs N] [--size MiB] [--no-write]
 */
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { startLocalNetwork } from '../scripts/local-network.js'
import { runWhenMain } from './lib/cli.js'
import { launchChromium, withTimeout } from './lib/browser.js'
import { contentFor, openApp, waitForFetch } from './lib/app.js'
import { median, reflow, table, writeSection } from './lib/results.js'

const BENCH = dirname(fileURLToPath(import.meta.url))
const APP_ROOT = join(BENCH, 'out', 'dist')
const RESULTS = join(BENCH, 'RESULTS.md')
const MiB = 1024 * 1024
export const DEFAULT_SIZE_MIB = 64
/** SCTP's pauses make single runs vary by a factor of two: five, and the median. */
export const DEFAULT_RUNS = 5
const STEP_TIMEOUT_MS = 240_000

/** Adds the file in page A and returns its share link once it carries A's /webrtc address and the file's size. */
async function addAndShare (page, file) {
  await page.getByTestId('file-input').setInputFiles(file)
  const row = page.getByTestId('file-row').first()
  await row.waitFor({ timeout: STEP_TIMEOUT_MS })
  await page.waitForFunction(() => document.querySelector('[data-testid="file-row"]')?.getAttribute('data-cid') != null)
  await row.getByTestId('share-button').click()
  await page.waitForFunction(() => {
    const link = /** @type {HTMLInputElement | null} */ (document.querySelector('[data-testid="share-link"]'))?.value ?? ''
    return /p2p-circuit%2Fwebrtc/.test(link) && /[?&]size=\d+/.test(link)
  }, undefined, { timeout: 30_000 })
  return await page.getByTestId('share-link').inputValue()
}

/** Opens the link in B's running app; milliseconds to the first direct byte from the sharer and to "done". */
async function fetchShared (page, link) {
  await page.getByTestId('open-input').fill(link)
  // A share link is offered first (size, sharer); the fetch starts at the click on Fetch.
  await page.getByTestId('open-button').click()
  const started = performance.now()
  await page.getByTestId('fetch-confirm').click()
  await waitForFetch(page, STEP_TIMEOUT_MS, { selector: '[data-testid="fetch-sharer"]', text: 'Connected to the sharer' })
  const connected = performance.now() - started
  await waitForFetch(page, STEP_TIMEOUT_MS, { selector: '[data-testid="fetch-source"][data-role="sharer"][data-relayed="false"]' })
  const firstByte = performance.now() - started
  await waitForFetch(page, STEP_TIMEOUT_MS)
  const done = performance.now() - started
  const sources = await page.getByTestId('fetch-source').allInnerTexts()
  const direct = await page.locator('[data-testid="fetch-source"][data-role="sharer"][data-relayed="false"]').count()
  if (direct !== 1) throw new Error(`the sharer did not serve over a direct connection: ${sources.join('; ')} (${await page.getByTestId('fetch-sharer').innerText()})`)
  if (process.env.BENCH_DEBUG) console.log(sources.join('\n'))
  return { connected, firstByte, done }
}

/**
 * A raw RTCDataChannel from page A to page B, signalled by the driver with complete descriptions
 * (no trickle); resolves with the milliseconds from the first send to B holding `size` bytes.
 */
async function rawTransfer (pageA, pageB, size) {
  // Each page waits for its own candidates, so one description carries them all.
  const offer = await pageA.evaluate(async () => {
    const pc = new RTCPeerConnection()
    globalThis.benchPc = pc
    globalThis.benchDc = pc.createDataChannel('bench', { negotiated: true, id: 0 })
    await pc.setLocalDescription(await pc.createOffer())
    while (pc.iceGatheringState !== 'complete') await new Promise(resolve => { pc.onicegatheringstatechange = resolve })
    return pc.localDescription?.toJSON()
  })
  const answer = await pageB.evaluate(async ({ offer, size }) => {
    const pc = new RTCPeerConnection()
    globalThis.benchPc = pc
    const dc = pc.createDataChannel('bench', { negotiated: true, id: 0 })
    dc.binaryType = 'arraybuffer'
    let received = 0
    let last = 0
    let stalledMs = 0
    globalThis.benchReceived = new Promise(resolve => {
      dc.onmessage = event => {
        const now = performance.timeOrigin + performance.now()
        // Pauses of SCTP (retransmission timeouts on loopback), which Pollen's transfers meet too.
        if (last > 0 && now - last > 100) stalledMs += now - last
        last = now
        received += event.data.byteLength
        if (received >= size) resolve({ finished: now, stalledMs })
      }
    })
    await pc.setRemoteDescription(offer)
    await pc.setLocalDescription(await pc.createAnswer())
    while (pc.iceGatheringState !== 'complete') await new Promise(resolve => { pc.onicegatheringstatechange = resolve })
    return pc.localDescription?.toJSON()
  }, { offer, size })
  const started = await pageA.evaluate(async ({ answer, size }) => {
    const pc = /** @type {RTCPeerConnection} */ (globalThis.benchPc)
    const dc = /** @type {RTCDataChannel} */ (globalThis.benchDc)
    await pc.setRemoteDescription(answer)
    if (dc.readyState !== 'open') await new Promise(resolve => { dc.onopen = resolve })
    const message = crypto.getRandomValues(new Uint8Array(64 * 1024))
    dc.bufferedAmountLowThreshold = 1024 * 1024
    const started = performance.timeOrigin + performance.now()
    for (let sent = 0; sent < size; sent += message.length) {
      if (dc.bufferedAmount > 4 * 1024 * 1024) await new Promise(resolve => { dc.onbufferedamountlow = resolve })
      dc.send(message.subarray(0, Math.min(message.length, size - sent)))
    }
    return started
  }, { answer, size })
  const { finished, stalledMs } = await pageB.evaluate(async () => await globalThis.benchReceived)
  await Promise.all([pageA, pageB].map(page => page.evaluate(() => { globalThis.benchPc.close() })))
  return { ms: finished - started, stalledMs }
}

/** What the figures mean, from the timelines and profiles taken while writing this benchmark. */
const READING = `**Reading the rows.** Both ways lose much of their time to SCTP, not to JavaScript: on loopback in headless Chromium a fresh data channel pauses for about 400 ms (a retransmission timeout) several times per 64 MiB, whatever the message size (16 or 64 KiB) or the buffering (256 KiB to 4 MiB, drained to zero or to a low mark); the raw row reports its own pauses, and single runs vary by a factor of two, hence the median of several. A timeline of the data channels during a Pollen transfer (every send() in A's page, every message in B's; 32 MiB) split the time into 46 % moving, 23 % SCTP pauses with bytes queued in A's channel, and 31 % with nothing queued. That last part is the application: after the first blocks, Helia's bitswap answers a peer one message at a time and reads every wanted block from IndexedDB (about 16 ms per 1 MiB block, has() then get()) before it sends the first, so each batch of 16 wanted blocks starts with a quarter of a second of silence; and the receiver asks for more only once a 4 MiB message is verified and stored. The shim itself is not the limit: the host pages are idle nearly all the time, and a bitswap batch in flight moves at the raw channel's speed. A run far below the others (about 2 MiB/s) waited some 20 s for blocks Helia's bitswap lost, as described in the network section; in such a run, counting every data channel's bytes in both pages showed that every want B sent reached A's page and every byte A's page sent reached B's: A's bitswap never sent those blocks, and sent them only when B wanted them again after its 10 s retry. Tried and dropped: 2 or 4 concurrent bitswap sends per peer (some runs lost a block and waited 10 s for the retry), and 1.5 MiB bitswap messages (better here, but uploads to the infra node then lost blocks in 2 of 3 runs).`

export async function run (options = {}) {
  const size = (options.sizeMiB ?? DEFAULT_SIZE_MIB) * MiB
  const runs = options.runs ?? DEFAULT_RUNS
  const network = await startLocalNetwork({ root: options.appRoot ?? APP_ROOT, infraDataDir: await mkdtemp(join(tmpdir(), 'pollen-bench-infra-')), autoPreload: false })
  const browser = await launchChromium()
  /** @type {Record<'pollen' | 'connected' | 'firstByte' | 'raw' | 'rawStalled', number[]>} */
  const ms = { pollen: [], connected: [], firstByte: [], raw: [], rawStalled: [] }
  try {
    for (let i = 0; i < runs; i++) {
      const file = join(await mkdtemp(join(tmpdir(), 'pollen-bench-webrtc-')), `webrtc-${i}.bin`)
      await writeFile(file, contentFor(size, 2000 + i))
      const sender = await browser.newContext()
      const pageA = await sender.newPage()
      await openApp(pageA, network.appUrl, 'files')
      const link = await addAndShare(pageA, file)
      const receiver = await browser.newContext()
      const pageB = await receiver.newPage()
      await openApp(pageB, network.appUrl, 'open')
      const steps = [
        async () => {
          const { connected, firstByte, done } = await withTimeout(fetchShared(pageB, link), STEP_TIMEOUT_MS, 'fetch')
          ms.pollen.push(done)
          ms.firstByte.push(firstByte)
          ms.connected.push(connected)
        },
        async () => {
          const raw = await withTimeout(rawTransfer(pageA, pageB, size), STEP_TIMEOUT_MS, 'raw')
          ms.raw.push(raw.ms)
          ms.rawStalled.push(raw.stalledMs)
        }
      ]
      for (const step of i % 2 === 0 ? steps : steps.reverse()) await step()
      await Promise.all([sender.close(), receiver.close()])
      console.log(`webrtc: run ${i + 1}/${runs}: pollen ${ms.pollen.at(-1)?.toFixed(0)} ms (connected ${ms.connected.at(-1)?.toFixed(0)} ms, first direct byte ${ms.firstByte.at(-1)?.toFixed(0)} ms), raw ${ms.raw.at(-1)?.toFixed(0)} ms (stalled ${ms.rawStalled.at(-1)?.toFixed(0)} ms)`)
    }
  } finally {
    await browser.close()
    await network.close()
  }

  const rate = (/** @type {number} */ t) => size / MiB / (t / 1000)
  const pollen = ms.pollen.map(rate)
  const raw = ms.raw.map(rate)
  const ratio = median(pollen) / median(raw)
  const heading = `WebRTC (${size / MiB} MiB browser → browser, direct)`
  const rows = [
    ['Pollen over the shim', median(pollen).toFixed(1), pollen.map(r => r.toFixed(1)).join(', '), 'share link opened in B: relay, upgrade to /webrtc, bitswap, verify, store'],
    ['raw RTCDataChannel', median(raw).toFixed(1), raw.map(r => r.toFixed(1)).join(', '), 'page A → page B, one channel, 64 KiB messages']
  ]
  const body = `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, headless Chromium ${browser.version()}, by \`npm run bench\` (bench/webrtc.js). An infra node (relay, bootstrap) and the app on loopback as by \`npm start\`, no ICE servers, no automatic preload. Per run: context A adds a new ${size / MiB} MiB file and copies its share link; context B has the app open. Pollen: B opens the link, timed in the driver from the click on Fetch (the Open screen offers a share link before it fetches) to the job's "done" (every block fetched, verified, stored in IndexedDB). Raw: a new RTCPeerConnection pair between the same two pages, one data channel, timed from the first send to the last byte in page B. ${runs} runs, the order alternating; both use a connection made for the measurement.

${table(['way', 'MiB/s (median)', 'runs, MiB/s', 'what'], rows, ['l', 'r', 'r', 'l'])}

| figure | value |
|---|---:|
| Pollen / raw RTCDataChannel | ${ratio.toFixed(2)} |
| share link to first byte over the direct connection (median, runs) | ${median(ms.firstByte).toFixed(0)} ms (${ms.firstByte.map(t => t.toFixed(0)).join(', ')}) |
| share link to the direct connection (median) | ${median(ms.connected).toFixed(0)} ms |
| raw RTCDataChannel: time in pauses over 100 ms (median, runs) | ${median(ms.rawStalled).toFixed(0)} ms of ${median(ms.raw).toFixed(0)} ms (${ms.rawStalled.map(t => t.toFixed(0)).join(', ')}) |

${READING}
`
  const summary = `${ratio.toFixed(2)} of a raw RTCDataChannel; first direct byte after ${median(ms.firstByte).toFixed(0)} ms`
  if (options.write !== false) {
    await writeSection(RESULTS, heading, reflow(body))
    console.log(`webrtc: wrote "## ${heading}" in ${RESULTS}`)
  }
  console.log(`webrtc: ${summary}`)
  return { heading, body, summary }
}

runWhenMain(import.meta.url, run)
