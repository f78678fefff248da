import { test as base, expect } from '@playwright/test'

export interface PollenFixtures {
  /** The app's origin URL with a trailing slash, e.g. http://app.localhost:41234/ (global-setup.ts). */
  appUrl: string
  /**
   * The same server as http://127.0.0.1:<port>/, for Node-side requests (`page.request`, `request`,
   * `fetch` in the test itself): Node cannot resolve app.localhost, Chromium can. In the browser use
   * `appUrl`, since the app's origin (service worker, storage, subdomains) is app.localhost.
   */
  loopbackUrl: string
}

function fromEnv (name: string): string {
  const value = process.env[name]
  if (value == null || value === '') {
    throw new Error(`${name} is not set: run the tests with \`npx playwright test\` (test/e2e/global-setup.ts starts the server)`)
  }
  return value
}

export const test = base.extend<PollenFixtures>({
  // eslint-disable-next-line no-empty-pattern
  appUrl: async ({}, use) => {
    await use(fromEnv('POLLEN_URL'))
  },
  // eslint-disable-next-line no-empty-pattern
  loopbackUrl: async ({}, use) => {
    await use(fromEnv('POLLEN_LOOPBACK_URL'))
  }
})

export { expect }
