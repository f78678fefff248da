// @ts-check
/**
 * `npm start` (after the build): the infra node, then the app at
 * http://app.localhost:PORT with a deployment that points every role of the
 * browser node at it. Ctrl-C stops both.
 *
 * Environment: PORT (app, default 8080), POLLEN_INFRA_WS_PORT (4101),
 * POLLEN_INFRA_HTTP_PORT (4102), POLLEN_INFRA_DATA_DIR (.pollen-infra).
 */
import { startLocalNetwork } from './local-network.js'

const network = await startLocalNetwork({
  appPort: Number(process.env.PORT ?? 8080),
  infraDataDir: process.env.POLLEN_INFRA_DATA_DIR ?? '.pollen-infra',
  infraWsPort: Number(process.env.POLLEN_INFRA_WS_PORT ?? 4101),
  infraHttpPort: Number(process.env.POLLEN_INFRA_HTTP_PORT ?? 4102)
})
const { infra } = network

console.log(`Infra node ${infra.peerId}`)
for (const addr of infra.multiaddrs) console.log(`  libp2p  ${addr}`)
console.log(`  http    ${infra.httpUrl} (delegated routing, preload, trustless gateway)`)
console.log(`Pollen is running at ${network.appUrl}`)

let stopping = false
async function stop () {
  if (stopping) return
  stopping = true
  await network.close()
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
