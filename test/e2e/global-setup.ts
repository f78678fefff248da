import { fileURLToPath } from 'node:url'
import type { FullConfig } from '@playwright/test'
import { startServer } from '../../scripts/serve.js'

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url))
const DEPLOYMENT = fileURLToPath(new URL('./deployment.json', import.meta.url))

/**
 * Serves the built app (run `npm run build` first; `npm test` does) on a free port with a
 * deployment file that lists no bootstrap, delegate, preload or gateway hosts, so tests never
 * dial the public network. Tests read the URLs through the `appUrl` and `loopbackUrl` fixtures
 * (fixtures.ts).
 */
export default async function globalSetup (_config: FullConfig): Promise<() => Promise<void>> {
  const server: { url: string, port: number, close: () => Promise<void> } =
    await startServer({ port: 0, root: DIST, deploymentFile: DEPLOYMENT, host: 'app.localhost' })
  process.env.POLLEN_URL = `http://app.localhost:${server.port}/`
  // Node-side clients (page.request, fetch in a test) cannot resolve *.localhost; only Chromium does.
  process.env.POLLEN_LOOPBACK_URL = `http://127.0.0.1:${server.port}/`
  console.log(`e2e: serving ${DIST} at ${process.env.POLLEN_URL}`)
  return async () => {
    await server.close()
  }
}
