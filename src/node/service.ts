/**
 * The node: owns the stores, the Helia instance and the services built on it,
 * and answers every method of the protocol. One per origin (see worker.ts).
 */
import { IDBDatastore } from 'datastore-idb'
import { configWarnings, validateConfig, type NodeConfig } from '../lib/config.ts'
import { transfer, type Handlers, type Transfer } from '../lib/rpc.ts'
import { ContentPorts } from './content-ports.ts'
import { announceToDht } from './dht-announce.ts'
import type { CID } from 'multiformats/cid'
import { connectToPreloadNode } from './preload.ts'
import { NodeGateway, refused } from './gateway/index.ts'
import { TrustedRoots } from './trusted-roots.ts'
import { UnfinishedFetches } from './unfinished-fetches.ts'
import { loadConfig, loadDefaults, saveConfig } from './config-store.ts'
import { ContentReader } from './content.ts'
import { loadNoiseCrypto, type NoiseCrypto } from './noise-crypto.ts'
import { LISTEN_ADDRS, USER_AGENT, createNode, startNode, type PollenHelia } from './create-node.ts'
import { Fetcher } from './fetcher.ts'
import { collectGarbage } from './gc.ts'
import { exclusiveGc } from './gc-lock.ts'
import { BatchingIdbBlockstore } from './idb-blockstore.ts'
import { Library } from './library.ts'
import { DirectConnections } from './direct-connections.ts'
import { connectTo, connectionInfo, pingPeer } from './peer-actions.ts'
import { PeerKeeper } from './peer-keeper.ts'
import { RelayReservations } from './relay-reservations.ts'
import { ServingLog } from './serving.ts'
import { watchBitswapTraffic } from './bitswap-traffic.ts'
import { hostWebRtc, onWebRtcHostChange, webRtcHostSince } from './webrtc-hosting.ts'
import type { ConfigState, ConnectionInfo, ContentMethods, GatewayResponse, NodeEvent, NodeIdentity, NodeMethods, StorageInfo } from '../lib/protocol.ts'

export const BLOCKSTORE_NAME = 'pollen-blockstore'
export const DATASTORE_NAME = 'pollen-data'
/** A DHT announce walks the network to the closest peers; past this it is reported failed. */
export const ANNOUNCE_TIMEOUT_MS = 120_000

/** A gateway response whose body stream is transferred to the caller (a stream cannot be copied). */
function withBody (response: GatewayResponse): GatewayResponse | Transfer<GatewayResponse> {
  return response.body == null ? response : transfer(response, [response.body])
}

export class PollenNode {
  private helia!: PollenHelia
  private library!: Library
  private content!: ContentReader
  private fetcher!: Fetcher
  private gateway!: NodeGateway
  private relays!: RelayReservations
  private config!: NodeConfig
  private starts = 0
  private keeper!: PeerKeeper
  private direct?: DirectConnections
  private readonly contentPorts: ContentPorts
  private readonly trusted: TrustedRoots
  private readonly unfinished: UnfinishedFetches
  private readonly serving: ServingLog
  private restarting: Promise<void> = Promise.resolve()

  private constructor (
    private readonly blockstore: BatchingIdbBlockstore,
    private readonly datastore: IDBDatastore,
    private readonly defaults: NodeConfig,
    private readonly emit: (event: NodeEvent) => void,
    private readonly noiseCrypto: NoiseCrypto,
    serverLock: string
  ) {
    this.contentPorts = new ContentPorts(this.contentHandlers(), ({ status, reason }) => withBody(refused(status, reason)), serverLock, () => this.config.gatewayMode)
    this.trusted = new TrustedRoots(datastore)
    // The local blockstore itself: what is here, never asking the network.
    this.unfinished = new UnfinishedFetches({ datastore, blocks: blockstore, onChange: () => { emit({ type: 'fetches:changed' }) } })
    // Kept across restarts with new settings: its totals count from when the node first started.
    this.serving = new ServingLog({
      libp2p: { getConnections: (...args) => this.helia?.libp2p.getConnections(...args) ?? [] },
      blockstore,
      files: async () => await this.library.list(),
      onChange: () => { emit({ type: 'serving:changed' }) }
    })
  }

  /** @param serverLock the Web Lock the worker holds for its lifetime (see rpc.ts) */
  static async open (appBase: URL, emit: (event: NodeEvent) => void, serverLock: string): Promise<PollenNode> {
    const blockstore = new BatchingIdbBlockstore(BLOCKSTORE_NAME)
    const datastore = new IDBDatastore(DATASTORE_NAME)
    // libsodium compiles its WebAssembly while the stores open and the defaults load: a cold start waits for neither in turn.
    const [noiseCrypto, defaults] = await Promise.all([loadNoiseCrypto(), loadDefaults(appBase), blockstore.open(), datastore.open()])
    const node = new PollenNode(blockstore, datastore, defaults, emit, noiseCrypto, serverLock)
    await node.trusted.load()
    onWebRtcHostChange(() => {
      emit({ type: 'connections:changed' })
      void node.announceAddresses()
    })
    await node.start(await loadConfig(datastore, defaults))
    return node
  }

  /**
   * Puts the addresses announced now in this node's own peer record, which
   * identify sends to peers: a /webrtc address comes and goes with the page
   * hosting WebRTC (create-node.ts), and libp2p re-reads them only when a
   * transport starts or stops listening.
   */
  private async announceAddresses (): Promise<void> {
    const libp2p = this.helia?.libp2p
    if (libp2p?.status !== 'started') return
    const own = `/p2p/${libp2p.peerId.toString()}`
    const multiaddrs = libp2p.getMultiaddrs().map(addr => addr.toString().endsWith(own) ? addr.decapsulate(own) : addr)
    await libp2p.peerStore.patch(libp2p.peerId, { multiaddrs }).catch(() => {})
  }

  private async start (config: NodeConfig): Promise<void> {
    this.config = config
    this.relays = new RelayReservations(() => { this.emit({ type: 'connections:changed' }) })
    this.helia = createNode(config, {
      blockstore: this.blockstore,
      datastore: this.datastore,
      relays: this.relays,
      noiseCrypto: this.noiseCrypto.crypto,
      onCarBlockSent: (peer, root, block) => { void this.serving.servedCarBlock(peer, root, block.cid, block.bytes) }
    })
    this.emit({ type: 'status', status: 'starting' })
    await startNode(this.helia)
    if (!watchBitswapTraffic(this.helia, { sent: (peer, blocks) => { void this.serving.servedBlocks(peer, blocks) }, received: bytes => { this.serving.receivedBytes(bytes) } })) {
      console.warn('Pollen: bitswap is not where it was; the Sharing view will not show what bitswap serves')
    }
    this.starts++
    this.keeper = new PeerKeeper(this.helia.libp2p, { bootstrap: config.bootstrap, onChange: () => { this.emit({ type: 'connections:changed' }) } })
    this.keeper.start()
    this.direct?.stop()
    this.direct = new DirectConnections(this.helia.libp2p, message => { console.warn(message) })
    const changed = (): void => { this.emit({ type: 'connections:changed' }) }
    this.helia.libp2p.addEventListener('connection:open', changed)
    this.helia.libp2p.addEventListener('connection:close', changed)
    this.helia.libp2p.addEventListener('self:peer:update', changed)
    this.library = new Library({
      helia: this.helia,
      datastore: this.datastore,
      onChange: () => {
        this.serving.invalidate()
        this.emit({ type: 'files:changed' })
      },
      collectGarbage: async () => await this.collectGarbage(),
      preloadNodes: config.preload,
      connectPreloadNode: async node => { await connectToPreloadNode(this.helia.libp2p, node) },
      announce: this.announcer()
    })
    this.content = new ContentReader(this.helia, config.fetchTimeoutSeconds * 1000)
    this.gateway = new NodeGateway({ helia: this.helia, content: this.content, config, trusted: this.trusted, appHost: globalThis.location?.host ?? '', connectedPeers: () => this.helia.libp2p.getPeers().length })
    this.fetcher = new Fetcher({
      helia: this.helia,
      content: this.content,
      bootstrap: config.bootstrap,
      relays: () => this.relays.list().map(reservation => reservation.relay),
      fetchTimeoutMs: config.fetchTimeoutSeconds * 1000,
      collectGarbage: async () => await this.collectGarbage(),
      unfinished: this.unfinished,
      onCarBytes: bytes => { this.serving.receivedBytes(bytes) }
    })
    this.emit({ type: 'status', status: 'started' })
  }

  /** Restarts the network with new settings; the stores (blocks, key, list) stay open. */
  private async applyConfig (config: NodeConfig | undefined): Promise<ConfigState> {
    const restart = exclusiveGc(async () => {
      await saveConfig(this.datastore, config)
      this.emit({ type: 'status', status: 'stopping' })
      this.keeper.stop()
      await this.helia.stop()
      await this.start(config ?? this.defaults)
    })
    // Gateway requests that arrive meanwhile wait for the new network instead of failing on the stopped one.
    this.restarting = restart.catch(() => {})
    await restart
    this.emit({ type: 'config:changed' })
    this.contentPorts.announce()
    return this.configState()
  }

  private configState (): ConfigState {
    return { config: this.config, defaults: this.defaults, warnings: configWarnings(this.config) }
  }

  private identity (): NodeIdentity {
    const libp2p = this.helia.libp2p
    return {
      peerId: libp2p.peerId.toString(),
      agentVersion: USER_AGENT,
      protocols: libp2p.getProtocols().sort(),
      listenAddrs: [...LISTEN_ADDRS],
      advertisedAddrs: libp2p.getMultiaddrs().map(String),
      status: libp2p.status,
      bootstrap: this.keeper.states(),
      relays: this.relays.list(),
      webrtcHostSince: webRtcHostSince(),
      starts: this.starts,
      encryption: `Noise, ${this.noiseCrypto.cipher}`
    }
  }

  private connections (): ConnectionInfo[] {
    return this.helia.libp2p.getConnections().map(connectionInfo)
  }

  private async storage (): Promise<StorageInfo> {
    // A browser without the Storage API still lists its blocks.
    const estimate = await navigator.storage?.estimate?.().catch(() => undefined)
    return { usage: estimate?.usage, quota: estimate?.quota, blocks: await this.blockstore.count() }
  }


  /** Removes blocks that no pin holds and no unfinished fetch keeps for resuming. */
  private async collectGarbage (signal?: AbortSignal): Promise<{ removed: number }> {
    return await exclusiveGc(async () => {
      const { blockstore, pins } = this.helia
      const removed = await collectGarbage({ blockstore, pins, local: this.blockstore, retained: async signal => await this.unfinished.retained(signal) }, { signal })
      return { removed }
    }, signal)
  }

  /** What a content origin may call: reading content, nothing else (see ContentMethods). */
  /** Announces an added root to the DHT, when that setting is on. */
  private announcer (): ((cid: CID) => Promise<void>) | undefined {
    const dht = this.helia.libp2p.services.dht
    if (dht == null) return undefined
    return async cid => { await announceToDht(this.helia.libp2p, dht, cid, AbortSignal.timeout(ANNOUNCE_TIMEOUT_MS)) }
  }

  contentHandlers (): Handlers<ContentMethods> {
    return {
      'gateway.fetch': async (request, ctx) => {
        await this.restarting
        return withBody(await this.gateway.handle(request, ctx))
      }
    }
  }

  handlers (): Handlers<NodeMethods> {
    return {
      'node.identity': async () => this.identity(),
      'node.connections': async () => this.connections(),
      'peers.connect': async ({ addr }, { signal }) => await connectTo(this.helia, addr, signal),
      'peers.ping': async ({ peer }, { signal }) => await pingPeer(this.helia, peer, signal),
      'files.add': async (args, ctx) => await this.library.add(args, ctx),
      'files.list': async () => await this.library.list(),
      'files.importCar': async (args, ctx) => await this.library.importCar(args, ctx),
      'files.remove': async ({ id }) => { await this.library.remove(id) },
      'files.keep': async args => await this.library.keep(args),
      'files.setPinned': async ({ id, pinned }) => await this.library.setPinned(id, pinned),
      'content.stat': async ({ path, list }, { signal }) => await this.content.stat(path, signal, { list }),
      'content.fetch': async (args, { signal, onProgress }) => await this.fetcher.fetch(args, signal, onProgress),
      'fetches.unfinished': async (_, { signal }) => await this.unfinished.list(signal),
      'fetches.discard': async ({ cid }) => { await this.unfinished.discard(cid) },
      'content.cat': async ({ path }) => {
        const stream = this.content.cat(path)
        return transfer(stream, [stream])
      },
      'gateway.port': async args => this.contentPorts.create(args?.scope),
      'gateway.trusted': async () => this.trusted.list(),
      'gateway.trust': async ({ root, trusted }) => {
        const roots = await this.trusted.set(root, trusted)
        this.emit({ type: 'trusted:changed' })
        return roots
      },
      'webrtc.host': async ({ port }, { signal }) => { await hostWebRtc(port, signal) },
      'serving.report': async () => this.serving.report(),
      'storage.info': async () => await this.storage(),
      'storage.gc': async (_, { signal }) => await this.collectGarbage(signal),
      'config.get': async () => this.configState(),
      'config.set': async config => await this.applyConfig(validateConfig(config)),
      'config.reset': async () => await this.applyConfig(undefined)
    }
  }
}
