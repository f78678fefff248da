import { defineConfig } from '@playwright/test'
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './scripts/chromium.js'

// Browser tests run against the production build (dist/), served by scripts/serve.js from
// test/e2e/global-setup.ts on a free port as http://app.localhost:<port>/ (see fixtures.ts).
// Playwright cannot download its own browsers here: use Debian's Chromium (DESIGN.md §3).
export default defineConfig({
  testDir: 'test/e2e',
  globalSetup: './test/e2e/global-setup.ts',
  workers: 1,
  fullyParallel: false,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  retries: 0,
  reporter: [['list']],
  use: {
    launchOptions: {
      executablePath: CHROMIUM_PATH,
      args: [...CHROMIUM_ARGS]
    },
    acceptDownloads: true
  },
  projects: [
    { name: 'chromium', use: { browserName: 'chromium' } },
    // Firefox (Debian's firefox-esr over WebDriver BiDi, test/firefox/helpers/firefox.ts) beside Chromium.
    { name: 'firefox', testDir: 'test/firefox', use: { browserName: 'chromium' } },
    // WebKit (Debian's WebKitGTK MiniBrowser over WebDriver classic, test/webkit/helpers/webkit.ts) beside Chromium.
    { name: 'webkit', testDir: 'test/webkit', use: { browserName: 'chromium' } },
    // Against a real Kubo (test/interop/kubo.ts; scripts/ensure-kubo.js builds it).
    { name: 'interop', testDir: 'test/interop', use: { browserName: 'chromium' } },
    // The IPFS gateway-conformance suite through Pollen's gateway (scripts/ensure-conformance.js builds it).
    { name: 'conformance', testDir: 'test/conformance', use: { browserName: 'chromium' } }
  ]
})
