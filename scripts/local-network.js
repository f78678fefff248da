// @ts-check
/**
 * A self-contained Pollen network on this machine: the infra node and the app
 * served at http://app.localhost:PORT with a deployment.json that points
 * every role of the browser node at the infra node. `npm start` runs one; the
 * network tests start their own.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deploymentFor, startInfraProcess } from './infra-process.js'
import { selfSignedCertificate } from './self-signed.js'
import { startServer } from './serve.js'

/**
 * @param {{ appPort?: number, root?: string, infraDataDir: string, infraWsPort?: number, infraHttpPort?: number, secureWebSockets?: boolean, bootstrapOver?: 'websockets' | 'webrtc-direct', autoPreload?: boolean, gatewayFallback?: boolean, log?: (line: string) => void, onAppRequest?: (request: { host: string, path: string, navigation: boolean }) => void }} options
 */
export async function startLocalNetwork (options) {
  const workDir = await mkdtemp(join(tmpdir(), 'pollen-network-'))
  const deploymentFile = join(workDir, 'deployment.json')
  // A self-signed certificate: browsers trust it through the SPKI hash flag.
  const certificate = options.secureWebSockets === true ? await selfSignedCertificate(workDir) : undefined
  await writeFile(deploymentFile, JSON.stringify({ defaults: {} }))
  const app = await startServer({ port: options.appPort ?? 0, root: options.root, deploymentFile, onRequest: options.onAppRequest })
  const appOrigin = `http://app.localhost:${app.port}`
  const infraOptions = {
    dataDir: options.infraDataDir,
    wsPort: options.infraWsPort ?? 0,
    httpPort: options.infraHttpPort ?? 0,
    webRtcDirectPort: 0,
    tls: certificate == null ? undefined : { certFile: certificate.certFile, keyFile: certificate.keyFile, wssPort: 0 },
    allowedOrigins: [appOrigin],
    log: options.log
  }
  let infra = await startInfraProcess(infraOptions)
  // A restart keeps the ports, so the addresses browsers were given stay valid.
  infraOptions.wsPort = Number(/\/tcp\/(\d+)\/ws\//.exec(infra.multiaddrs.join(' '))?.[1])
  infraOptions.httpPort = Number(new URL(infra.httpUrl).port)
  infraOptions.webRtcDirectPort = Number(/\/udp\/(\d+)\/webrtc-direct\//.exec(infra.multiaddrs.join(' '))?.[1])
  if (infraOptions.tls != null) infraOptions.tls.wssPort = Number(/\/tcp\/(\d+)\/(wss|tls)/.exec(infra.multiaddrs.join(' '))?.[1])
  const deployment = deploymentFor(infra, { bootstrapOver: options.bootstrapOver })
  // Off for measurements that call the preload endpoint themselves.
  if (options.autoPreload === false) deployment.defaults.preload = []
  // Off for measurements where peers must serve every block (the infra node's gateway would step in after a pause).
  if (options.gatewayFallback === false) deployment.defaults.gateways = []
  await writeFile(deploymentFile, JSON.stringify(deployment, null, 2))

  return {
    appUrl: `${appOrigin}/`,
    appOrigin,
    /** For Chromium's --ignore-certificate-errors-spki-list, when secure WebSockets are on. */
    certificateSpki: certificate?.spki,
    get infra () { return infra },
    /** Stops the infra node (SIGKILL when `crash`), leaving the app served. */
    async stopInfra (crash = false) {
      if (crash) {
        infra.kill()
        await infra.exited
      } else {
        await infra.stop()
      }
    },
    async startInfra () {
      infra = await startInfraProcess(infraOptions)
      return infra
    },
    async close () {
      await Promise.allSettled([infra.stop(), app.close()])
      await rm(workDir, { recursive: true, force: true })
    }
  }
}
