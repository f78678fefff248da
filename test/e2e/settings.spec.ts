import { addSettingsEntry, openApp } from './helpers/app.ts'
import { expect, test } from './fixtures.ts'

const PEER_A = '/ip4/127.0.0.1/tcp/4001/ws/p2p/12D3KooWGwHEM56eqvsw9cqanuGCev26PzNJji4zSM7NJKWwwzdK'
const PEER_B = '/dns4/relay.example/tcp/443/wss/p2p/12D3KooWKnDdG3iXw9eTFijk3EWSunZcFi54Zka4wmtqtt6rPxc8'

test('settings refuse malformed entries, warn about a single bootstrap peer, and reset', async ({ page, appUrl }) => {
  await openApp(page, appUrl, 'settings')
  const bootstrap = page.getByTestId('settings-bootstrap')

  await addSettingsEntry(page, 'bootstrap', '/ip4/999.1.1.1/tcp/1')
  await expect(bootstrap.getByTestId('settings-error')).toContainText('is not a valid multiaddr')
  await addSettingsEntry(page, 'bootstrap', '/ip4/127.0.0.1/tcp/4001/ws')
  await expect(bootstrap.getByTestId('settings-error')).toContainText('has no /p2p/<peer id> part')
  await addSettingsEntry(page, 'delegates', 'ftp://example.org')
  await expect(page.getByTestId('settings-delegates').getByTestId('settings-error')).toContainText('must be an http:// or https:// URL')
  await addSettingsEntry(page, 'gateways', 'not a url')
  await expect(page.getByTestId('settings-gateways').getByTestId('settings-error')).toContainText('is not a valid URL')

  await addSettingsEntry(page, 'bootstrap', PEER_A)
  await expect(bootstrap.getByRole('listitem')).toHaveCount(1)
  await expect(page.getByTestId('settings-warning').filter({ hasText: 'Only one bootstrap peer' })).toBeVisible()
  await addSettingsEntry(page, 'bootstrap', PEER_B)
  await expect(bootstrap.getByRole('listitem')).toHaveCount(2)
  await expect(page.getByTestId('settings-warning').filter({ hasText: 'Only one bootstrap peer' })).toHaveCount(0)

  // Settings survive a reload and do not touch stored data.
  await page.goto(`${appUrl}#/files`)
  await page.getByTestId('file-input').setInputFiles({ name: 'kept.txt', mimeType: 'text/plain', buffer: Buffer.from('kept\n') })
  await expect(page.getByTestId('file-row').filter({ hasText: 'kept.txt' })).toBeVisible()
  await page.reload()
  // Its bootstrap peers are unreachable, so the node may already say it is offline: wait for the list.
  await page.goto(`${appUrl}#/settings`)
  await expect(page.getByTestId('settings-bootstrap').getByRole('listitem')).toHaveCount(2)
  await page.getByTestId('settings-bootstrap').getByRole('button', { name: `Remove ${PEER_B}` }).click()
  await expect(page.getByTestId('settings-warning').filter({ hasText: 'Only one bootstrap peer' })).toBeVisible()

  // This deployment's defaults (test/e2e/deployment.json) have no bootstrap peers.
  await page.getByRole('button', { name: 'Reset all to defaults' }).click()
  await expect(page.getByTestId('settings-bootstrap').getByRole('listitem')).toHaveText(['none'])
  await page.goto(`${appUrl}#/files`)
  await expect(page.getByTestId('file-row').filter({ hasText: 'kept.txt' })).toBeVisible()
})
