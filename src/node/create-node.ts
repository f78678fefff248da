/**
 * Assembles the Helia node from one validated config: js-libp2p with
 * WebSockets, WebTransport, WebRTC(-direct) and circuit-relay transports, noise, yamux,
 * identify, ping and bootstrap; delegated routing and trustless gateways
 * through Helia's HTTP routers; the trustless gateway this node serves over
 * libp2p (car-server.ts). WebRTC needs a page (DESIGN.md §4) and comes
 * with its own module.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { bootstrap } from '@libp2p/bootstrap'
import { identify, identifyPush } from '@libp2p/identify'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { webSockets } from '@libp2p/websockets'
import { webRTC, webRTCDirect } from '@libp2p/webrtc'
import { webTransport } from '@libp2p/webtransport'
import { dns } from '@multiformats/dns'
import { dnsJsonOverHttps } from '@multiformats/dns/resolvers'
import { createHelia } from 'helia'
import { cbor } from './cbor-codec.ts'
import { carServerServices, type CarServerInit } from './car-server.ts'
import { gatewayFallback } from './gateway-fallback.ts'
import { reuseLimitedConnections } from './limited-connections.ts'
import { webRtcHostSince } from './webrtc-hosting.ts'
import type { RelayReservations } from './relay-reservations.ts'
import type { NodeConfig } from '../lib/config.ts'
import type { ICryptoInterface } from '@chainsafe/libp2p-noise'
import type { CodecLoader } from '@helia/interface'
import type { Blockstore } from 'interface-blockstore'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Datastore } from 'interface-datastore'

export const AGENT_NAME = 'pollen'
export const AGENT_VERSION = '0.1.0'
export const USER_AGENT = `${AGENT_NAME}/${AGENT_VERSION}`
/**
 * A browser cannot open a port: it reserves a slot on a relay and is
 * reachable through it, and accepts WebRTC connections signalled over it.
 */
export const LISTEN_ADDRS: readonly string[] = ['/p2p-circuit', '/webrtc']

/**
 * Bytes a WebRTC stream's data channel may hold unsent before the stream waits
 * (@libp2p/webrtc's default is 2 MiB). SCTP sends what a channel holds in
 * bursts; a burst larger than the UDP socket's send buffer (208 KiB by Linux's
 * default) is partly dropped (Chromium counts the packets in
 * `packetsDiscardedOnSend`), and SCTP waits a retransmission timeout, at least
 * 400 ms, for them. Between two browsers here (bench/transfer.js, 64 MiB): with
 * 2 MiB, 6 of 20 transfers had a block wait over 2 s; with 256 KiB and one core
 * kept busy, 1 of 18 did, its blocks coming in bursts 400 ms apart; with 64 KiB
 * and both cores kept busy, none of 25; on an idle machine 64 KiB moves 7 % less
 * per second than 256 KiB. A raw data channel shows the same (RAW_RTC_QUEUE there).
 */
export const DEFAULT_DATA_CHANNEL_MAX_BUFFERED = 64 * 1024

/** The public Amino DHT's protocol. */
export const DHT_PROTOCOL = '/ipfs/kad/1.0.0'

export interface NodeParts {
  blockstore: Blockstore
  datastore: Datastore
  relays: RelayReservations
  /** Noise's ciphers (noise-crypto.ts) */
  noiseCrypto: ICryptoInterface
  /** Told of each block the trustless gateway sends a peer (serving.ts). */
  onCarBlockSent?: CarServerInit['onBlockSent']
}

/**
 * A /webrtc address promises a direct connection that only a page hosting
 * WebRTC can make (webrtc-hosting.ts): with none (every tab closed, or a
 * browser without RTCPeerConnection) it is not announced, and peers use the
 * relay at once instead of trying a dial that cannot succeed.
 */
export function withoutUnhostedWebRtc (addrs: Multiaddr[]): Multiaddr[] {
  if (webRtcHostSince() != null) return addrs
  return addrs.filter(addr => !addr.getComponents().some(component => component.name === 'webrtc'))
}

function optionalServices (config: NodeConfig) {
  // A browser is not reachable enough to serve DHT records: client mode only.
  // Private addresses are kept because a self-hosted DHT lives on them.
  return config.dhtAnnounce ? { dht: kadDHT({ clientMode: true, protocol: DHT_PROTOCOL, peerInfoMapper: passthroughMapper }) } : {}
}

export function createNode (config: NodeConfig, parts: NodeParts) {
  // Links are decoded with Helia's codecs; the server is built before Helia and calls it later.
  const getCodec: CodecLoader = async (code, options) => await helia.getCodec(code, options)
  const helia = createHelia({
    blockstore: parts.blockstore,
    datastore: parts.datastore,
    codecs: [cbor],
    blockBrokers: [gatewayFallback({ gateways: config.gateways, allowPrivate: config.dialPrivateAddresses })],
    // DNSLink (the gateway's /ipns/<domain>) and /dnsaddr/ through the configured resolvers.
    dns: config.dnsResolvers.length === 0 ? undefined : dns({ resolvers: { '.': config.dnsResolvers.map(url => dnsJsonOverHttps(url)) } }),
    // Until WebRTC upgrades them, relayed connections are the only way two
    // browsers reach each other; the relay's data limit bounds what crosses.
    bitswap: { runOnLimitedConnections: true },
    http: {
      delegatedRouters: config.delegates,
      recursiveGateways: config.gateways
    },
    libp2p: {
      nodeInfo: { name: AGENT_NAME, version: AGENT_VERSION, userAgent: USER_AGENT },
      addresses: { listen: [...LISTEN_ADDRS], announceFilter: withoutUnhostedWebRtc },
      // libp2p's WebSocket connection stops writing at its buffered limit and
      // resumes only once the socket drained completely (polled, 10 ms by
      // default): a larger limit and a shorter poll keep 1 MiB blocks flowing.
      transports: [webSockets({ maxBufferedAmount: 16 * 1024 * 1024, bufferedAmountPollInterval: 2 }), webTransport(), parts.relays.transport(),
        // Peer connections live in a page (webrtc-hosting.ts); without one, WebRTC dials fail and the rest works.
        webRTC({ rtcConfiguration: { iceServers: config.iceServers.map(urls => ({ urls })) }, dataChannel: { maxBufferedAmount: DEFAULT_DATA_CHANNEL_MAX_BUFFERED } }),
        // Server nodes on a UDP port with a self-signed certificate named by its /certhash.
        webRTCDirect()],
      connectionEncrypters: [noise({ crypto: parts.noiseCrypto })],
      // Yamux's initial stream window stays at the spec's 256 KiB (it grows by
      // window updates): js-yamux assumes the other side allows the initial
      // window it sets itself, and a go-libp2p peer (Kubo) resets a connection
      // that sends more than 256 KiB before its first window update.
      streamMuxers: [yamux()],
      // libp2p's default gater in browsers refuses private and loopback
      // addresses; a local network (`npm start`, the tests) lives exactly there.
      connectionGater: config.dialPrivateAddresses ? { denyDialMultiaddr: async () => false } : {},
      peerDiscovery: config.bootstrap.length > 0 ? [bootstrap({ list: config.bootstrap })] : [],
      services: {
        identify: identify(),
        identifyPush: identifyPush(),
        ping: ping(),
        // Every peer may ask for what this node holds as a CAR or raw block, over HTTP on libp2p streams;
        // from its own blockstore only, so no peer makes it fetch anything.
        ...carServerServices({ blockstore: parts.blockstore, getCodec, onBlockSent: parts.onCarBlockSent }),
        ...optionalServices(config)
      }
    }
  })
  return helia
}

/** Starts the node; libp2p exists only from here on. */
export async function startNode (helia: PollenHelia): Promise<void> {
  await helia.start()
  reuseLimitedConnections(helia.libp2p)
}

export type PollenHelia = ReturnType<typeof createNode>
