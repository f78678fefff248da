/**
 * The installed app. What is real here: the manifest as served, Chromium's
 * own installability check, its installation of the app (DevTools'
 * PWA.install, what the install button does) and its launch of the installed
 * app with files (PWA.launchFilesInApp: the launch the OS makes when a file
 * is opened with the app; Chromium fills launchQueue and applies
 * launch_handler as it does then). What is simulated: only the desktop's
 * "Open with" menu that would ask for that launch.
 */
import { expectedFileCid, writeTempFile } from './helpers/content.ts'
import { openApp } from './helpers/app.ts'
import { TargetSession } from './helpers/shared-worker.ts'
import { expect, test } from './fixtures.ts'
import type { Browser, CDPSession } from '@playwright/test'

interface OsAppState { fileHandlers: Array<{ action: string, accepts: Array<{ mediaType: string, fileExtensions: string[] }> }> }

interface Manifest {
  share_target: { action: string, method: string, enctype: string, params: { files: Array<{ name: string, accept: string[] }> } }
  file_handlers: Array<{ action: string, accept: Record<string, string[]> }>
  launch_handler: { client_mode: string[] }
}

/** The rows of the Files screen in a launched app window, as name → CID, and whether the share panel is open. */
async function filesIn (window: TargetSession): Promise<{ rows: Record<string, string>, sharing: string | null }> {
  return await window.evaluate(`(() => ({
    rows: Object.fromEntries(Array.from(document.querySelectorAll('[data-testid="file-row"]')).map(row => [row.querySelector('button.link').textContent.trim(), row.dataset.cid])),
    sharing: document.querySelector('[data-testid="share-panel"] h2')?.textContent ?? null
  }))()`)
}

async function launchFiles (cdp: CDPSession, manifestId: string, files: string[]): Promise<string> {
  const { targetIds } = await cdp.send('PWA.launchFilesInApp' as never, { manifestId, files } as never) as { targetIds: string[] }
  expect(targetIds).toHaveLength(1)
  return targetIds[0]
}

/** The page in a launched app window: the launch names the window's tab target, whose page shares its browser context. */
async function pageOfTab (cdp: CDPSession, tabId: string): Promise<string> {
  const pages = async (): Promise<string[]> => {
    // An empty filter lists tab targets too, which the default one leaves out.
    const { targetInfos } = await cdp.send('Target.getTargets', { filter: [{}] } as never) as { targetInfos: Array<{ targetId: string, type: string, url: string, browserContextId: string }> }
    const tab = targetInfos.find(target => target.targetId === tabId)
    return targetInfos.filter(target => target.type === 'page' && target.browserContextId === tab?.browserContextId && target.url === tab?.url).map(target => target.targetId)
  }
  // The window's page may be created just after the launch returns.
  await expect.poll(async () => (await pages()).length).toBe(1)
  return (await pages())[0]
}

async function uninstall (browser: Browser, manifestId: string): Promise<void> {
  const cdp = await browser.newBrowserCDPSession()
  await cdp.send('PWA.uninstall' as never, { manifestId } as never).catch(() => {})
  await cdp.detach()
}

test('the manifest declares share_target, file_handlers and launch_handler; Chromium installs the app and a file opened with it is added, in the one window', async ({ page, browser, appUrl, loopbackUrl }) => {
  test.setTimeout(120_000)
  const manifest = await (await page.request.get(new URL('manifest.webmanifest', loopbackUrl).href)).json() as Manifest
  expect(manifest.share_target).toMatchObject({ action: 'share-target', method: 'POST', enctype: 'multipart/form-data' })
  expect(manifest.share_target.params.files).toEqual([{ name: 'files', accept: ['*/*'] }])
  expect(manifest.file_handlers[0].accept['application/vnd.ipld.car']).toEqual(['.car'])
  expect(manifest.launch_handler.client_mode[0]).toBe('focus-existing')

  await openApp(page, appUrl)
  const manifestId = new URL('/', appUrl).href
  const cdp = await browser.newBrowserCDPSession()
  try {
    // Installed into the browser's own profile: a test context is incognito-like, where nothing installs.
    await cdp.send('PWA.install' as never, { manifestId, installUrlOrBundleUrl: appUrl } as never)
    const state = await cdp.send('PWA.getOsAppState' as never, { manifestId } as never) as OsAppState
    const extensions = state.fileHandlers.flatMap(handler => handler.accepts.flatMap(accept => accept.fileExtensions))
    expect(extensions).toEqual(expect.arrayContaining(['.car', '.txt', '.jpg', '.pdf', '.mp4']))

    const first = new TextEncoder().encode('opened with Pollen from the desktop\n')
    const second = new TextEncoder().encode('a second file, opened while the app is open\n')
    const [firstCid, secondCid, firstPath, secondPath] = await Promise.all([
      expectedFileCid(first), expectedFileCid(second),
      writeTempFile('opened.txt', first), writeTempFile('opened-later.txt', second)
    ])
    const windowId = await launchFiles(cdp, manifestId, [firstPath])
    const window = await TargetSession.attachTo(browser, await pageOfTab(cdp, windowId))
    try {
      await expect.poll(async () => (await filesIn(window)).rows['opened.txt'], { timeout: 60_000 }).toBe(firstCid)
      expect((await filesIn(window)).sharing).toBe('Share “opened.txt”')
      expect(await window.evaluate('location.hash')).toBe('#/files')
      // Launched as the installed app, Chromium finds nothing missing for installation.
      expect((await window.send<{ installabilityErrors: unknown[] }>('Page.getInstallabilityErrors')).installabilityErrors).toEqual([])

      // launch_handler focus-existing: the next file goes to the window already open, through launchQueue again.
      expect(await launchFiles(cdp, manifestId, [secondPath])).toBe(windowId)
      await expect.poll(async () => (await filesIn(window)).rows['opened-later.txt'], { timeout: 60_000 }).toBe(secondCid)
      expect((await filesIn(window)).sharing).toBe('Share “opened-later.txt”')
    } finally {
      await window.detach()
    }
  } finally {
    await cdp.detach()
    await uninstall(browser, manifestId)
  }
})
