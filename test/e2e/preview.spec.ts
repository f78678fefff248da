import { readFile } from 'node:fs/promises'
import { openApp, openPath, waitForImport } from './helpers/app.ts'
import { expect, test } from './fixtures.ts'
import type { Page } from '@playwright/test'

/** One second of a 440 Hz tone as 8 kHz 16-bit mono PCM WAV. */
function wav (): Buffer {
  const rate = 8000
  const samples = Buffer.alloc(rate * 2)
  for (let i = 0; i < rate; i++) samples.writeInt16LE(Math.round(Math.sin(2 * Math.PI * 440 * i / rate) * 8000), i * 2)
  const header = Buffer.alloc(44)
  header.write('RIFF', 0); header.writeUInt32LE(36 + samples.length, 4); header.write('WAVE', 8)
  header.write('fmt ', 12); header.writeUInt32LE(16, 16); header.writeUInt16LE(1, 20); header.writeUInt16LE(1, 22)
  header.writeUInt32LE(rate, 24); header.writeUInt32LE(rate * 2, 28); header.writeUInt16LE(2, 32); header.writeUInt16LE(16, 34)
  header.write('data', 36); header.writeUInt32LE(samples.length, 40)
  return Buffer.concat([header, samples])
}

/** A one-page PDF, with the cross-reference offsets computed. */
function pdf (): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>'
  ]
  let body = '%PDF-1.4\n'
  const offsets = objects.map((object, i) => {
    const offset = body.length
    body += `${i + 1} 0 obj\n${object}\nendobj\n`
    return offset
  })
  const xref = body.length
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map(o => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`
  return Buffer.from(body)
}

async function addAndOpen (page: Page, appUrl: string, file: { name: string, mimeType: string, buffer: Buffer }): Promise<void> {
  await page.goto(`${appUrl}#/files`)
  await page.getByTestId('file-input').setInputFiles(file)
  const cid = await waitForImport(page, file.name)
  await page.getByTestId('file-row').filter({ hasText: file.name }).getByRole('button', { name: file.name }).click()
  await expect(page.getByTestId('viewer')).toContainText(cid)
}

test('images, audio, PDF and text preview; HTML is shown as text, never rendered', async ({ page, appUrl }) => {
  await openApp(page, appUrl)

  await addAndOpen(page, appUrl, { name: 'icon.png', mimeType: 'image/png', buffer: await readFile('static/icons/icon-192.png') })
  await expect.poll(() => page.getByTestId('image-preview').evaluate((img: HTMLImageElement) => img.complete ? img.naturalWidth : 0)).toBe(192)

  await addAndOpen(page, appUrl, { name: 'tone.wav', mimeType: 'audio/wav', buffer: wav() })
  await expect.poll(() => page.getByTestId('audio-preview').evaluate((audio: HTMLAudioElement) => Math.round(audio.duration))).toBe(1)

  await addAndOpen(page, appUrl, { name: 'page.pdf', mimeType: 'application/pdf', buffer: pdf() })
  await expect(page.getByTestId('pdf-preview')).toHaveAttribute('src', /^blob:/)

  const html = '<h1 id="rendered">hi</h1><script>window.__ran = true</script>'
  await addAndOpen(page, appUrl, { name: 'page.html', mimeType: 'text/html', buffer: Buffer.from(html) })
  await expect(page.getByTestId('text-preview')).toHaveText(html)
  expect(await page.locator('#rendered').count()).toBe(0)
  expect(await page.evaluate(() => (window as any).__ran)).toBeUndefined()
})

test('a video recorded in the page previews with its metadata', async ({ page, appUrl }) => {
  await openApp(page, appUrl)
  // Chromium records a short WebM from a canvas; it arrives like a dropped file.
  await page.getByTestId('dropzone').evaluate(async zone => {
    const canvas = document.createElement('canvas')
    canvas.width = 64
    canvas.height = 48
    const context = canvas.getContext('2d')!
    const recorder = new MediaRecorder(canvas.captureStream(25), { mimeType: 'video/webm' })
    const chunks: Blob[] = []
    recorder.ondataavailable = event => { chunks.push(event.data) }
    const stopped = new Promise(resolve => { recorder.onstop = resolve })
    recorder.start()
    for (let frame = 0; frame < 12; frame++) {
      context.fillStyle = `hsl(${frame * 30} 80% 50%)`
      context.fillRect(0, 0, 64, 48)
      await new Promise(resolve => setTimeout(resolve, 40))
    }
    recorder.stop()
    await stopped
    const data = new DataTransfer()
    data.items.add(new File(chunks, 'clip.webm', { type: 'video/webm' }))
    zone.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }))
  })
  const cid = await waitForImport(page, 'clip.webm')
  await openPath(page, `/ipfs/${cid}`)
  await expect.poll(() => page.getByTestId('video-preview').evaluate((video: HTMLVideoElement) => video.readyState)).toBeGreaterThanOrEqual(1)
  expect(await page.getByTestId('video-preview').evaluate((video: HTMLVideoElement) => video.videoWidth)).toBe(64)
})

test('the Download button stays where it first appeared while the preview loads', async ({ page, appUrl }) => {
  await openApp(page, appUrl)
  const text = `${'A line of a long text file.\n'.repeat(150_000)}`
  await page.getByTestId('file-input').setInputFiles({ name: 'long.txt', mimeType: 'text/plain', buffer: Buffer.from(text) })
  const cid = await waitForImport(page, 'long.txt')
  // Where the button is the moment it is drawn: a person (or a driver) may aim at it from then on.
  await page.evaluate(() => {
    const record = (): void => {
      const button = document.querySelector('[data-testid="download-button"]')
      if (button != null && document.body.dataset.firstButtonTop == null) document.body.dataset.firstButtonTop = String(button.getBoundingClientRect().top)
    }
    new MutationObserver(record).observe(document.body, { childList: true, subtree: true })
  })
  await openPath(page, `/ipfs/${cid}`)
  await expect(page.getByTestId('text-preview')).toBeVisible({ timeout: 60_000 })
  await expect(page.getByTestId('open-status')).toHaveCount(0)
  const first = Number(await page.evaluate(() => document.body.dataset.firstButtonTop))
  const last = await page.getByTestId('download-button').evaluate(button => button.getBoundingClientRect().top)
  expect(last).toBe(first)
})
