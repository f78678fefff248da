/** The node in Firefox: start, add and read back, reload, a second tab. */
import { expect, test } from '../e2e/fixtures.ts'
import { expectedFileCid, pseudoRandomBytes, sha256, sha256File, writeTempFile } from '../e2e/helpers/content.ts'
import { addFile, attributeOf, downloadShown, launchFirefox, openApp, openPath, peerId, rowCid, textOf } from './helpers/firefox.ts'

const MiB = 1024 * 1024

test('Firefox: the node starts, a file added reads back identical, and a reload and a second tab find the same node and files', async ({ appUrl }) => {
  const firefox = await launchFirefox()
  try {
    const page = await firefox.context.newPage()
    await openApp(page, appUrl)
    const peer = await peerId(page)
    // The Node screen says what this browser lacks: Firefox ignores extendedLifetime, and has the rest.
    const feature = async (id: string) => await attributeOf(page, `[data-testid="browser-feature"][data-feature="${id}"]`, 'data-available')
    expect(await feature('extended-lifetime')).toBe('false')
    for (const id of ['webrtc', 'webtransport', 'storage-estimate', 'protocol-handler']) expect(await feature(id), id).toBe('true')
    expect(await textOf(page, 'browser-features')).toContain('The node stops with the last Pollen tab or content page')
    const bytes = pseudoRandomBytes(3 * MiB + 5, 71)
    const cid = await addFile(page, await writeTempFile('notes.bin', bytes), 'notes.bin')
    expect(cid).toBe(await expectedFileCid(bytes))

    await page.reload()
    await openApp(page, appUrl)
    expect(await peerId(page)).toBe(peer)
    await openApp(page, appUrl)
    expect(await rowCid(page, 'notes.bin')).toBe(cid)

    // A second tab reaches the same node; with the first closed it keeps working.
    const second = await firefox.context.newPage()
    await openApp(second, appUrl)
    expect(await peerId(second)).toBe(peer)
    await page.close()
    const more = pseudoRandomBytes(MiB, 72)
    expect(await addFile(second, await writeTempFile('more.bin', more), 'more.bin')).toBe(await expectedFileCid(more))
    expect(await rowCid(second, 'notes.bin')).toBe(cid)
    // Read back as a person does: open it, and the preview shows its text, whole.
    const text = `${'Notes kept in Firefox. '.repeat(2000)}\n`
    const textCid = await addFile(second, await writeTempFile('notes.txt', Buffer.from(text)), 'notes.txt')
    await openPath(second, textCid)
    await expect.poll(async () => await textOf(second, 'text-preview')).toBe(text)
    // And as a download, through the service worker. (Last: after a download, BiDi counts a navigation as pending.)
    await openPath(second, cid)
    expect(await sha256File(await downloadShown(second, firefox, bytes.byteLength))).toBe(sha256(bytes))
  } finally {
    await firefox.close()
  }
})
