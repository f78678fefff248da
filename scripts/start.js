// @ts-check
/**
 * `npm start` (after the build): the infra node, then the app at
 * http://app.localhost:PORT with a deployment that points every role of the
 * browser node at it. Ctrl-C stops both.
 *
 * Environment: PORT (app, default 8080), POLLEN_INFRA_WS_PORT (4101),
 * POLLEN_INFRA_HTTP_PORT (4102), POLLEN_INFRA_DATA_DIR (.pollen-infra).
 */
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deploymentFor, startInfraProcess } from './infra-process.js'
import { startServer } from './serve.js'

const appPort = Number(process.env.PORT ?? 8080)
const deploymentFile = join(await mkdtemp(join(tmpdir(), 'pollen-start-')), 'deployment.json')
await writeFile(deploymentFile, JSON.stringify({ defaults: {} }))
const app = await startServer({ port: appPort, deploymentFile })
const appOrigin = `http://app.localhost:${app.port}`

const infra = await startInfraProcess({
  dataDir: process.env.POLLEN_INFRA_DATA_DIR ?? '.pollen-infra',
  wsPort: Number(process.env.POLLEN_INFRA_WS_PORT ?? 4101),
  httpPort: Number(process.env.POLLEN_INFRA_HTTP_PORT ?? 4102),
  allowedOrigins: [appOrigin]
})
await writeFile(deploymentFile, JSON.stringify(deploymentFor(infra), null, 2))

console.log(`Infra node ${infra.peerId}`)
for (const addr of infra.multiaddrs) console.log(`  libp2p  ${addr}`)
console.log(`  http    ${infra.httpUrl} (delegated routing, preload, trustless gateway)`)
console.log(`Pollen is running at ${appOrigin}/`)

let stopping = false
async function stop () {
  if (stopping) return
  stopping = true
  await Promise.allSettled([infra.stop(), app.close()])
  process.exit(0)
}
process.once('SIGINT', () => { void stop() })
process.once('SIGTERM', () => { void stop() })
void infra.exited.then(code => {
  if (!stopping) {
    console.error(`the infra node exited (${code}); stopping`)
    void stop()
  }
})
