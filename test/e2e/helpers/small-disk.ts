/**
 * A browser profile on a small tmpfs, so the origin's storage really runs out.
 *
 * DevTools' Storage.overrideQuotaForOrigin would be the lighter way, but in
 * Chromium 156 it only changes what Storage.getUsageAndQuota reports: neither
 * navigator.storage.estimate() nor IndexedDB writes honour it (checked here).
 * Chromium does enforce its quota from the free space of the profile's disk,
 * so a 48 MiB filesystem gives a real QuotaExceededError. Mounting needs root,
 * as the test setup already does for installing Chromium.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type LaunchOptions } from '@playwright/test'

export interface SmallDiskBrowser {
  context: BrowserContext
  close: () => Promise<void>
}

export async function launchOnSmallDisk (sizeMiB: number, launchOptions: LaunchOptions): Promise<SmallDiskBrowser> {
  const mountPoint = mkdtempSync(join(tmpdir(), 'pollen-small-disk-'))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m`, 'tmpfs', mountPoint])
  } catch (err) {
    rmSync(mountPoint, { recursive: true, force: true })
    throw new Error(`mounting a ${sizeMiB} MiB tmpfs failed (the quota test needs root): ${(err as Error).message}`)
  }
  const context = await chromium.launchPersistentContext(join(mountPoint, 'profile'), { ...launchOptions, acceptDownloads: true })
  return {
    context,
    close: async () => {
      await context.close()
      execFileSync('umount', [mountPoint])
      rmSync(mountPoint, { recursive: true, force: true })
    }
  }
}
