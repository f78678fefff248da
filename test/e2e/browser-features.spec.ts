/** The Node screen says what this browser can do of what Pollen uses. */
import { openApp } from './helpers/app.ts'
import { expect, test } from './fixtures.ts'

test('in Chromium the Node screen finds every feature Pollen uses', async ({ page, appUrl }) => {
  await openApp(page, appUrl, 'node')
  const features = page.getByTestId('browser-feature')
  await expect(features).toHaveCount(7)
  for (const id of ['extended-lifetime', 'webrtc', 'webtransport', 'storage-estimate', 'protocol-handler', 'file-handling', 'app-badge']) {
    await expect(features.and(page.locator(`[data-feature="${id}"]`))).toHaveAttribute('data-available', 'true')
  }
  await expect(page.getByTestId('browser-features')).toContainText('This browser has everything Pollen uses.')
})
