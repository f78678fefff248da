import { openApp } from './helpers/app.ts'
import { expect, test } from './fixtures.ts'
import type { Page } from '@playwright/test'

/** Who holds and who waits for the WebRTC host lock, as the origin's Web Locks see it. */
async function hostLock (page: Page): Promise<{ held: number, waiting: number }> {
  return await page.evaluate(async () => {
    const { held = [], pending = [] } = await navigator.locks.query()
    return {
      held: held.filter(lock => lock.name === 'pollen:webrtc-host').length,
      waiting: pending.filter(lock => lock.name === 'pollen:webrtc-host').length
    }
  })
}

test('one tab hosts the node\'s WebRTC; when it closes, another tab takes over', async ({ context, appUrl }) => {
  const a = await context.newPage()
  await openApp(a, appUrl, 'node')
  await expect(a.getByTestId('webrtc-hosted')).toContainText('on:')
  const firstHost = Number(await a.getByTestId('webrtc-hosted').getAttribute('data-since'))
  const b = await context.newPage()
  await openApp(b, appUrl, 'node')
  // Tab a hosts; tab b waits its turn.
  await expect.poll(async () => await hostLock(b)).toEqual({ held: 1, waiting: 1 })

  await a.close()
  await expect.poll(async () => await hostLock(b)).toEqual({ held: 1, waiting: 0 })
  // The node was handed b's port: a new host, from after a closed.
  await expect.poll(async () => Number(await b.getByTestId('webrtc-hosted').getAttribute('data-since'))).toBeGreaterThan(firstHost)
  await expect(b.getByTestId('webrtc-hosted')).toContainText('on:')
})
