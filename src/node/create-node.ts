/**
 * Assembles the Helia node from one validated config: js-libp2p with
 * WebSockets, WebTransport and circuit-relay transports, noise, yamux,
 * identify, ping and bootstrap; delegated routing and trustless gateways
 * through Helia's HTTP routers. WebRTC needs a page (DESIGN.md §4) and comes
 * with its own module.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { bootstrap } from '@libp2p/bootstrap'
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import { identify, identifyPush } from '@libp2p/identify'
import { ping } from '@libp2p/ping'
import { webSockets } from '@libp2p/websockets'
import { webTransport } from '@libp2p/webtransport'
import { createHelia } from 'helia'
import type { NodeConfig } from '../lib/config.ts'
import type { Blockstore } from 'interface-blockstore'
import type { Datastore } from 'interface-datastore'

export const AGENT_NAME = 'pollen'
export const AGENT_VERSION = '0.1.0'
export const USER_AGENT = `${AGENT_NAME}/${AGENT_VERSION}`
/** A browser cannot open a port: it reserves a slot on a relay and is reachable through it. */
export const LISTEN_ADDRS: readonly string[] = ['/p2p-circuit']

export interface NodeStores {
  blockstore: Blockstore
  datastore: Datastore
}

export function createNode (config: NodeConfig, stores: NodeStores) {
  return createHelia({
    blockstore: stores.blockstore,
    datastore: stores.datastore,
    http: {
      delegatedRouters: config.delegates,
      recursiveGateways: config.gateways
    },
    libp2p: {
      nodeInfo: { name: AGENT_NAME, version: AGENT_VERSION, userAgent: USER_AGENT },
      addresses: { listen: [...LISTEN_ADDRS] },
      transports: [webSockets(), webTransport(), circuitRelayTransport()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      // The browser's default gater refuses private and loopback addresses; a
      // self-hosted network (and `npm start`) lives exactly there.
      connectionGater: { denyDialMultiaddr: async () => false },
      peerDiscovery: config.bootstrap.length > 0 ? [bootstrap({ list: config.bootstrap })] : [],
      services: {
        identify: identify(),
        identifyPush: identifyPush(),
        ping: ping()
      }
    }
  })
}

export type PollenHelia = ReturnType<typeof createNode>
