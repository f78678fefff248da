/**
 * The node's WebRTC shim (src/node/webrtc-shim.ts) over the page host
 * (src/ui/webrtc-host.ts), with real peer connections between two browser
 * contexts: signalling, ICE, state, channel open and close, bytes with
 * backpressure, and the host going away. The shim and host are bundled into a
 * test page, one of each per context, as the node and a tab will hold them.
 */
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { build } from 'vite'
import type { Browser, Page } from '@playwright/test'
import { tempDir } from './helpers/content.ts'
import { expect, test } from './fixtures.ts'

let bundle = ''

test.beforeAll(async () => {
  const outDir = await tempDir('pollen-webrtc-harness-')
  await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      outDir,
      minify: false,
      lib: { entry: resolve(import.meta.dirname, 'harness/webrtc-shim-harness.ts'), formats: ['iife'], name: 'PollenWebRtcHarness', fileName: () => 'harness.js' }
    }
  })
  bundle = await readFile(join(outDir, 'harness.js'), 'utf8')
})

async function harnessPage (browser: Browser): Promise<Page> {
  const context = await browser.newContext()
  const page = await context.newPage()
  // A page of its own on a secure origin (WebCrypto), served by the test itself.
  await page.route('http://webrtc-harness.localhost/', async route => { await route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>harness</title>' }) })
  await page.goto('http://webrtc-harness.localhost/')
  await page.addScriptTag({ content: bundle })
  return page
}

/** Offer, answer and candidates carried by the test, as libp2p carries them over a relayed stream. */
async function connect (a: Page, b: Page): Promise<void> {
  await a.evaluate(() => { (globalThis as any).webrtcHarness.start(true) })
  await b.evaluate(() => { (globalThis as any).webrtcHarness.start(false) })
  const offer = await a.evaluate(async () => await (globalThis as any).webrtcHarness.offer())
  const answer = await b.evaluate(async sdp => await (globalThis as any).webrtcHarness.answer(sdp), offer)
  await a.evaluate(async sdp => { await (globalThis as any).webrtcHarness.accept(sdp) }, answer)
  const opened = Promise.all([a, b].map(async page => await page.evaluate(async () => await (globalThis as any).webrtcHarness.opened())))
  // Trickle candidates both ways until the channel is open.
  let done = false
  void opened.then(() => { done = true })
  while (!done) {
    const fromA = await a.evaluate(() => (globalThis as any).webrtcHarness.candidates())
    const fromB = await b.evaluate(() => (globalThis as any).webrtcHarness.candidates())
    await b.evaluate(async list => { await (globalThis as any).webrtcHarness.addCandidates(list) }, fromA)
    await a.evaluate(async list => { await (globalThis as any).webrtcHarness.addCandidates(list) }, fromB)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  const [stateA, stateB] = await opened
  expect(stateA).toMatchObject({ state: 'connected', label: 'bytes', local: 'offer' })
  expect(stateB).toMatchObject({ state: 'connected', label: 'bytes', local: 'answer' })
  expect(typeof stateA.id).toBe('number')
}

test('the shim drives real peer connections: signalling, ICE, an open channel, 8 MiB with backpressure arrive identical, and the sends of one task cross to the host in one post', async ({ browser }) => {
  const a = await harnessPage(browser)
  const b = await harnessPage(browser)
  await connect(a, b)

  const size = 8 * 1024 * 1024
  const received = b.evaluate(async n => await (globalThis as any).webrtcHarness.receive(n), size)
  const sent = await a.evaluate(async n => await (globalThis as any).webrtcHarness.send(n), size)
  expect(await received).toBe(sent.sha256)
  // bufferedAmount rose while the host still held data, and fell back through the low mark.
  expect(sent.mostBuffered).toBeGreaterThan(256 * 1024)
  expect(sent.lowEvents).toBeGreaterThan(0)

  // The sends of one task cross to the host in one post, and arrive as the messages they were, in order.
  const burst = b.evaluate(async () => await (globalThis as any).webrtcHarness.receiveMessages(16))
  const { posts } = await a.evaluate(async () => await (globalThis as any).webrtcHarness.sendBurst(16, 16 * 1024))
  expect(posts).toBe(1)
  // Message i starts with the harness pattern's first byte XORed with i.
  let x = 2463534242
  x ^= x << 13; x ^= x >>> 17; x ^= x << 5
  expect(await burst).toEqual(Array.from({ length: 16 }, (_, i) => [16 * 1024, (x & 0xff) ^ i]))

  // Closing on one side closes the other.
  await a.evaluate(async () => { await (globalThis as any).webrtcHarness.closeChannel() })
  expect(await b.evaluate(async () => await (globalThis as any).webrtcHarness.channelClosed())).toBe('closed')
  expect(await a.evaluate(async () => await (globalThis as any).webrtcHarness.channelClosed())).toBe('closed')

  // The hosting page goes away: the connection fails at once and calls are refused, nothing hangs.
  const dropped = await a.evaluate(async () => await (globalThis as any).webrtcHarness.dropHost())
  expect(dropped).toEqual({ state: 'failed', channel: 'closed', callError: 'InvalidStateError' })
  expect(await a.evaluate(() => (globalThis as any).webrtcHarness.states())).toEqual(['connecting', 'connected', 'failed'])
})
