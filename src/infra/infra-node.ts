/**
 * The infra node: one Helia + js-libp2p node in Node.js playing the server
 * roles browser nodes depend on (DESIGN.md §2): bootstrap peer and circuit
 * relay v2 over WebSockets and WebRTC-direct, and over HTTP a Delegated Routing V1 server, a
 * Kubo-compatible preload endpoint and a trustless gateway. Identity and
 * blocks persist in the data directory.
 */
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { circuitRelayServer } from '@libp2p/circuit-relay-v2'
import { identify, identifyPush } from '@libp2p/identify'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { keychain } from '@libp2p/keychain'
import { ping } from '@libp2p/ping'
import { webRTCDirect } from '@libp2p/webrtc'
import { webSockets } from '@libp2p/websockets'
import { FsBlockstore } from 'blockstore-fs'
import { FsDatastore } from 'datastore-fs'
import { createHelia } from 'helia'
import { gatewayRoutes } from './gateway.ts'
import { createHttpServer } from './http-server.ts'
import { ipnsRecords } from './ipns-records.ts'
import { localPeers } from './local-peers.ts'
import { localProviders } from './local-providers.ts'
import { preloadRoutes } from './preload.ts'
import { PreloadRetention, type RetentionStatus } from './preload-retention.ts'
import { IPNS_PUT_URL, routingRoutes } from './routing.ts'
import type { InfraOptions } from './options.ts'

export const INFRA_AGENT = 'pollen-infra/0.1.0'

export interface InfraNode {
  peerId: string
  /** Multiaddrs browsers dial, each ending in /p2p/<peer id>. */
  multiaddrs: string[]
  /** Base URL of the HTTP API (routing, preload, gateway), no trailing slash. */
  httpUrl: string
  /** What preload holds now. */
  preloadStatus: () => RetentionStatus
  /** IPNS names kept now. */
  ipnsNames: () => number
  stop: () => Promise<void>
}

/** `log` writes one event of the node's own (not a request's) as a JSON line. */
export async function startInfraNode (options: InfraOptions, log: (event: Record<string, unknown>) => void): Promise<InfraNode> {
  await mkdir(options.dataDir, { recursive: true })
  const blockstore = new FsBlockstore(join(options.dataDir, 'blocks'))
  const datastore = new FsDatastore(join(options.dataDir, 'datastore'))
  await Promise.all([blockstore.open(), datastore.open()])
  const tls = options.tls == null ? undefined : { cert: await readFile(options.tls.certFile), key: await readFile(options.tls.keyFile) }
  const listen = [`/ip4/${options.host}/tcp/${options.wsPort}/ws`, `/ip4/${options.host}/udp/${options.webRtcDirectPort}/webrtc-direct`]
  if (options.tls != null) listen.push(`/ip4/${options.host}/tcp/${options.tls.wssPort}/wss`)

  const helia = await createHelia({
    blockstore,
    datastore,
    // Offline apart from its own peers: no public routers or gateways.
    http: { delegatedRouters: [], recursiveGateways: [] },
    libp2p: {
      nodeInfo: { name: 'pollen-infra', version: '0.1.0', userAgent: INFRA_AGENT },
      addresses: { listen },
      // See src/node/create-node.ts; a smaller limit here, as a server holds many connections.
      transports: [webSockets({ maxBufferedAmount: 8 * 1024 * 1024, bufferedAmountPollInterval: 2, ...(tls == null ? {} : { https: tls }) }), webRTCDirect()],
      connectionEncrypters: [noise()],
      // Yamux's initial stream window stays at the spec's 256 KiB (it grows by
      // window updates): js-yamux assumes the other side allows the initial
      // window it sets itself, and a go-libp2p peer (Kubo) resets a connection
      // that sends more than 256 KiB before its first window update.
      streamMuxers: [yamux()],
      peerDiscovery: [],
      services: {
        identify: identify(),
        identifyPush: identifyPush(),
        ping: ping(),
        // Keeps the WebRTC-direct certificate (and so its /certhash) across restarts.
        keychain: keychain(),
        // A DHT server for the nodes it serves: browsers that announce in
        // client mode store their provider records here, and delegated
        // routing answers from them. Loopback and private addresses are kept
        // because self-hosted networks live there.
        dht: kadDHT({ protocol: '/ipfs/kad/1.0.0', clientMode: false, peerInfoMapper: passthroughMapper, allowQueryWithZeroPeers: true }),
        relay: circuitRelayServer({
          reservations: {
            maxReservations: options.relay.maxReservations,
            defaultDataLimit: BigInt(options.relay.dataLimit),
            defaultDurationLimit: options.relay.durationLimitMs
          }
        })
      }
    }
  })
  await helia.start()
  helia.addRouter(localProviders(helia.libp2p, blockstore))
  helia.addRouter(localPeers(helia.libp2p))
  const ipns = ipnsRecords({ datastore, maxNames: options.ipns.maxNames, maxAgeMs: options.ipns.maxAgeMs, log })
  await ipns.start()
  helia.addRouter(ipns)
  // Deletes blocks no preload holds before anyone can ask for them.
  const retention = new PreloadRetention({ blockstore, datastore, ttlMs: options.preload.ttlMs, maxHeldBytes: options.preload.maxHeldBytes, log })
  await retention.start()

  const server = await createHttpServer(options.http, [
    { method: 'POST', url: '/api/v0/refs', max: options.preload.rateLimit },
    { method: 'PUT', url: IPNS_PUT_URL, max: options.ipns.rateLimit }
  ])
  preloadRoutes(server, { helia, retention, allowedOrigins: options.allowedOrigins, limits: options.preload })
  gatewayRoutes(server, helia)
  routingRoutes(server, helia, ipns)
  await server.listen({ host: options.host, port: options.httpPort })
  const address = server.server.address()
  const port = typeof address === 'object' && address != null ? address.port : options.httpPort

  const peerId = helia.libp2p.peerId.toString()
  return {
    peerId,
    multiaddrs: helia.libp2p.getMultiaddrs().map(String),
    httpUrl: `http://${options.host}:${port}`,
    preloadStatus: () => retention.status(),
    ipnsNames: () => ipns.size(),
    stop: async () => {
      await server.close()
      ipns.stop()
      await retention.stop()
      await helia.stop()
      await Promise.all([blockstore.close(), datastore.close()])
    }
  }
}
