/**
 * Every message between the pages and the node, typed once for both ends.
 * The page side calls `RpcClient<NodeMethods, NodeEvent>`; the node serves
 * `Handlers<NodeMethods>`.
 */
import type { Method } from './rpc.ts'
import type { GatewayMode, NodeConfig } from './config.ts'
import type { ContentRequest, Namespace } from './gateway-url.ts'

export interface FileEntry {
  /** Stable id of the list entry (the same CID may be added twice under two names). */
  id: string
  name: string
  cid: string
  kind: 'file' | 'directory'
  /** Bytes of file content (the sum over a directory's files). */
  size: number
  /** Number of files (1 for a file). */
  files: number
  /** Milliseconds since the epoch. */
  added: number
  pinned: boolean
  /** Per preload node URL: whether it has fetched this entry. */
  preload?: Record<string, PreloadState>
  /** Whether the root was announced to the DHT (only with that setting on). */
  dht?: PreloadState
}

export interface PreloadState {
  status: 'pending' | 'done' | 'failed'
  error?: string
}

export interface ImportItem {
  /** Slash-separated path of the file inside the entry; the file name for a single file. */
  path: string
  file: File
}

export interface AddArgs {
  /** Name shown in the list: the file's or the folder's name. */
  name: string
  kind: 'file' | 'directory'
  items: ImportItem[]
}

export interface CarImportArgs {
  /** The CAR file's name, for the entries of its roots. */
  name: string
  file: File
}

export interface CarImportResult {
  /** The roots whose whole DAG is here, pinned and listed. */
  entries: FileEntry[]
  blocks: number
  /** Roots the CAR names but does not hold whole: their blocks are stored, not pinned. */
  incompleteRoots: string[]
}

export type ImportProgress =
  | { type: 'import:start', totalBytes: number, totalFiles: number }
  | { type: 'import:bytes', bytes: number, files: number }

export interface DirectoryItem {
  name: string
  cid: string
  type: 'file' | 'directory' | 'raw' | 'other'
  size: number
}

export interface ContentStat {
  /** The resolved path, /ipfs/<cid>/… */
  path: string
  /** CID of the node the path resolved to. */
  cid: string
  type: 'file' | 'directory' | 'raw' | 'other'
  size: number
  /**
   * Bytes of every block of the DAG below the resolved CID, as its root declares
   * them (the root block plus its links' Tsize): what a fetch of it stores. Absent
   * for codecs other than dag-pb and raw.
   */
  dagSize?: number
  /** Present for directories (unless asked with `list: false`). */
  entries?: DirectoryItem[]
}

export interface FetchArgs {
  /** CID or /ipfs/ path of what to fetch, whole. */
  path: string
  /**
   * Multiaddrs of the sharer, from a share link: dialled first. Only the first
   * MAX_SHARER_ADDRS (src/lib/share-link.ts) are dialled; the node ignores the rest.
   */
  providers?: string[]
  /**
   * The sharer's peer ID, from a share link that names it: besides `providers`,
   * it is dialled through this node's own relays, then at the addresses the
   * delegate routers know for it.
   */
  sharer?: string
  /**
   * The most the fetch may hold, in bytes of blocks: the size the person agreed
   * to. A DAG that declares or turns out to be larger stops the fetch with a
   * SizeLimitError; the fetch also stops at the browser's storage quota
   * (QuotaExceededError). Blocks stored before are kept either way.
   */
  maxBytes: number
  /** Where the limit came from, for the message when it is reached: the link's announced size, or a limit the person set. */
  limitFrom: 'link' | 'person'
  /** The name the link gives, for the list of unfinished fetches should this one stop before the end. */
  name?: string
}

/** One place blocks came from during a fetch. */
export interface BlockSource {
  kind: 'peer' | 'gateway'
  /** Peer ID, or the gateway's URL. */
  id: string
  /** The sharer from the link, one of this node's bootstrap peers, another provider, or a gateway. */
  role: 'sharer' | 'bootstrap' | 'provider' | 'gateway'
  /** For peers: whether every connection to it went through a relay. */
  relayed?: boolean
  /** For peers: the router that named it as a provider, when one did. */
  foundVia?: string
  blocks: number
  bytes: number
  /**
   * For the sharer: the part of `blocks` and `bytes` that came as one CAR
   * stream over HTTP on libp2p (its trustless gateway) rather than over
   * bitswap, and why that stream stopped before the whole DAG, when it did.
   */
  car?: { blocks: number, bytes: number, error?: string }
}

/** What came of dialling the sharer named in a share link. */
export interface SharerDial {
  peer: string
  reached: boolean
  /** The address the connection used, when reached. */
  addr?: string
  relayed?: boolean
  error?: string
  /** Why a direct (WebRTC) connection could not be made, when the sharer was reached through the relay instead. */
  directError?: string
  /** Addresses of the link beyond MAX_SHARER_ADDRS, not dialled. */
  ignoredAddrs?: number
  /** What reaching the sharer took, step by step: milliseconds from the start of the dial to the end of each step. */
  steps?: SharerDialStep[]
}

export interface SharerDialStep {
  step: 'relayed' | 'identified' | 'identify timed out' | 'direct' | 'direct failed' | 'direct attempt given up' | 'routers asked'
  ms: number
  /** For a WebRTC attempt that failed or was given up: the last step it reached, in words. */
  reached?: string
}

export type FetchProgress =
  | { type: 'fetch:sharer', sharer: SharerDial }
  | { type: 'fetch:progress', bytes: number, totalBytes: number, blocks: number, localBlocks: number, localBytes: number, sources: BlockSource[] }

export interface FetchSummary {
  /** CID of the fetched DAG's root (the path's target). */
  cid: string
  /** Bytes of all blocks of the DAG, verified and stored. */
  bytes: number
  totalBytes: number
  blocks: number
  /** Blocks that were already in this browser (from an unfinished fetch, or content seen before): not asked for. */
  localBlocks: number
  /** Bytes of those blocks. */
  localBytes: number
  sources: BlockSource[]
  sharer?: SharerDial
  /** The longest any one block took, from asking for it to having it verified (ms): a stall shows here. */
  longestBlockWaitMs: number
}

/**
 * A fetch that stopped before the end (cancelled, its tab closed, nothing came
 * in time, the browser closed): the blocks it stored are kept, out of garbage
 * collection's reach, until it is resumed to the end or discarded.
 */
export interface UnfinishedFetch {
  /** CID of the DAG's root. */
  cid: string
  name?: string
  /** The link's addresses (FetchArgs.providers), dialled again on resume. */
  providers: string[]
  /** The link's sharer (FetchArgs.sharer), when it names one. */
  sharer?: string
  maxBytes: number
  limitFrom: FetchArgs['limitFrom']
  /** Milliseconds since the epoch when it was first started. */
  started: number
  /** Blocks and bytes of the DAG stored here now. */
  blocks: number
  bytes: number
  /** Bytes of the whole DAG as its root declares them; absent while the root is not here. */
  totalBytes?: number
  /** A fetch of it is running now (in this or another tab). */
  running: boolean
}

export interface NodeIdentity {
  peerId: string
  agentVersion: string
  protocols: string[]
  listenAddrs: string[]
  /** Addresses others can dial, as advertised (listen + observed + relayed). */
  advertisedAddrs: string[]
  status: 'starting' | 'started' | 'stopping' | 'stopped'
  bootstrap: BootstrapState[]
  /** Relays holding a slot for this node: how peers behind other routers reach it. */
  relays: RelayReservation[]
  /** When the open page that hosts this node's WebRTC peer connections took over; absent with no host. */
  webrtcHostSince?: number
  /** How many times libp2p was started in this node's lifetime. */
  starts: number
  /** How connections other than WebRTC are encrypted, and by what code. */
  encryption: string
}

export interface ConnectionInfo {
  id: string
  peer: string
  remoteAddr: string
  transport: string
  direction: 'inbound' | 'outbound'
  relayed: boolean
  /** Round-trip time in milliseconds, when measured. */
  latency?: number
  opened: number
}

export interface RelayReservation {
  /** Peer ID of the relay. */
  relay: string
  /** Milliseconds since the epoch when the relay drops the slot unless it is refreshed. */
  expires: number
  /** Milliseconds since the epoch when the slot was last reserved or refreshed. */
  reserved: number
}

/** How the node stands with one of its bootstrap peers. */
export interface BootstrapState {
  addr: string
  status: 'connected' | 'connecting' | 'disconnected' | 'retrying'
  /** Milliseconds since the epoch of the next attempt, when retrying. */
  retryAt?: number
  /** Why the last attempt failed. */
  error?: string
}

export interface StorageInfo {
  /** Bytes this origin uses, as reported by the browser; undefined where it has no navigator.storage (WebKitGTK by default). */
  usage?: number
  quota?: number
  blocks: number
}

export interface ConfigState {
  config: NodeConfig
  defaults: NodeConfig
  warnings: string[]
}

export interface NodeMethods {
  [name: string]: Method<any, any, any>
  'node.identity': Method<void, NodeIdentity>
  'node.connections': Method<void, ConnectionInfo[]>
  /** Dials a multiaddr (an existing connection to that peer is reused). */
  'peers.connect': Method<{ addr: string }, ConnectionInfo>
  /** Round-trip time to a connected or dialable peer, with libp2p's ping protocol. */
  'peers.ping': Method<{ peer: string }, { rttMs: number }>
  'files.add': Method<AddArgs, FileEntry, ImportProgress>
  'files.list': Method<void, FileEntry[]>
  /** Stores a CAR file's blocks, each checked against its CID, and pins and lists its complete roots. */
  'files.importCar': Method<CarImportArgs, CarImportResult, ImportProgress>
  'files.remove': Method<{ id: string }, void>
  /** Lists and pins content fetched from elsewhere, such as a share link. */
  'files.keep': Method<{ cid: string, name: string, kind: FileEntry['kind'], size: number, files: number }, FileEntry>
  'files.setPinned': Method<{ id: string, pinned: boolean }, FileEntry>
  /** With `list: false`, a directory comes without its entries (no stat of each). */
  'content.stat': Method<{ path: string, list?: boolean }, ContentStat>
  /** Fetches a whole file or folder into this browser's blockstore, verified, reporting sources. */
  'content.fetch': Method<FetchArgs, FetchSummary, FetchProgress>
  /** Fetches that stopped before the end, with how much of each is here. */
  'fetches.unfinished': Method<void, UnfinishedFetch[]>
  /** Forgets an unfinished fetch: the next garbage collection removes its blocks (unless a pin holds them). */
  'fetches.discard': Method<{ cid: string }, void>
  /** Streams the bytes of a file; the stream is transferred to the caller. */
  'content.cat': Method<{ path: string }, ReadableStream<Uint8Array>>
  /** A page offers a port to its WebRTC host; the call stays open while the page hosts (src/ui/webrtc-hosting.ts). */
  'webrtc.host': Method<{ port: MessagePort }, void>
  /**
   * A new port serving only ContentMethods, for a service worker or a content
   * origin's bridge; with a scope, it reads that root only.
   */
  'gateway.port': Method<{ scope?: ContentScope } | undefined, MessagePort>
  /** Roots whose pages may run on the app origin in path mode. */
  'gateway.trusted': Method<void, string[]>
  'gateway.trust': Method<{ root: string, trusted: boolean }, string[]>
  'serving.report': Method<void, ServingReport>
  'storage.info': Method<void, StorageInfo>
  'storage.gc': Method<void, { removed: number }>
  'config.get': Method<void, ConfigState>
  'config.set': Method<NodeConfig, ConfigState>
  'config.reset': Method<void, ConfigState>
}

/** A peer that fetched blocks of a file from this node. */
export interface ServedPeer {
  peer: string
  /** How this node is connected to it now ('disconnected' once it is not). */
  transport: string
  relayed: boolean
  /** Bytes of the file's content it was sent (blocks sent twice count twice). */
  bytes: number
  blocks: number
  /** Over the last few seconds. */
  bytesPerSecond: number
  /** Milliseconds since the epoch of the last block sent. */
  last: number
}

export interface ServedFile {
  /** CID of the library entry's root. */
  root: string
  name?: string
  peers: ServedPeer[]
}

/** What this node served since it started (src/node/serving.ts). */
export interface ServingReport {
  /** Milliseconds since the epoch when the node started. */
  since: number
  /** Bytes of blocks sent to peers and received from them since then. */
  sent: number
  received: number
  files: ServedFile[]
  /** Peers being served now, and how fast in all. */
  activePeers: number
  bytesPerSecond: number
}

export type NodeEvent =
  | { type: 'files:changed' }
  /** A fetch started or ended, or an unfinished one was discarded. */
  | { type: 'fetches:changed' }
  | { type: 'connections:changed' }
  /** Blocks were served or received (at most twice a second). */
  | { type: 'serving:changed' }
  | { type: 'config:changed' }
  | { type: 'trusted:changed' }
  | { type: 'status', status: NodeIdentity['status'] }

/** A request the service worker hands to the node's gateway. */
export interface GatewayRequest extends ContentRequest {
  method: string
  headers: Array<[string, string]>
  /**
   * The URL path the browser sees the root at: '' on a content origin,
   * '/ipfs/<root>' in path mode. Redirects and listings link below it.
   */
  base: string
  /** 'path' when the content is served on the app origin itself (path mode). */
  form?: 'subdomain' | 'path'
  /** The request's destination ('document', 'image', …) as the browser set it. */
  destination?: string
}

/** The one root a content origin's port may read. */
export interface ContentScope {
  namespace: Namespace
  root: string
}

export interface GatewayResponse {
  status: number
  statusText: string
  headers: Array<[string, string]>
  /** Transferred to the service worker; null for HEAD and empty bodies. */
  body: ReadableStream<Uint8Array> | null
}

/** Sent at once when the node takes a request: a port that stays silent belongs to a node that is gone. */
export type GatewayProgress = { type: 'gateway:accepted' }

/**
 * The only methods a content origin can reach (through the bridge, or the
 * service worker's port): reading content, and on a content origin's port
 * that origin's own root only (ContentScope). Nothing here lists, changes or
 * reveals what the user keeps.
 */
export interface ContentMethods {
  [name: string]: Method<any, any, any>
  'gateway.fetch': Method<GatewayRequest, GatewayResponse, GatewayProgress>
}

/** Node → every content port, each second: the node behind this port is alive. */
export type ContentEvent = { type: 'gateway:alive', mode: GatewayMode }

/** Page → service worker: here is a port to the node (ports[0]), serving ContentMethods. */
export interface NodePortMessage {
  type: 'pollen:node-port'
  /** The node ends with the last page holding it: every page of a content origin must be shown by a boot document that holds it. */
  pagesHoldNode?: boolean
}
/** Boot document → its service worker: serve the next navigation to `url` as content, not as a boot document (the content will not stay in a frame). */
export interface ShowUnheldMessage { type: 'pollen:show-unheld', url: string }
/** Service worker → its window clients: I need a port to the node. */
export interface PortNeededMessage { type: 'pollen:port-needed' }
/** Bridge → the content page that embeds it: a port serving ContentMethods (ports[0]). */
export interface BridgePortMessage {
  type: 'pollen:bridge-port'
  /** Whether the node outlives the pages holding it (node-client.ts): if not, the embedder must keep the bridge open. */
  nodeOutlivesPages: boolean
}
/** Content page → the bridge it embeds: another port, please (the service worker lost the last one). */
export interface BridgePortNeededMessage { type: 'pollen:bridge-port-needed' }

export function isMessage<T extends { type: string }> (data: unknown, type: T['type']): data is T {
  return typeof data === 'object' && data !== null && (data as { type?: unknown }).type === type
}
