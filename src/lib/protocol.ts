/**
 * Every message between the pages and the node, typed once for both ends.
 * The page side calls `RpcClient<NodeMethods, NodeEvent>`; the node serves
 * `Handlers<NodeMethods>`.
 */
import type { Method } from './rpc.ts'
import type { NodeConfig } from './config.ts'

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
  /** Present for directories. */
  entries?: DirectoryItem[]
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
  /** How many times libp2p was started in this node's lifetime. */
  starts: number
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
  /** Bytes this origin uses, as reported by the browser. */
  usage: number
  quota: number
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
  'files.add': Method<AddArgs, FileEntry, ImportProgress>
  'files.list': Method<void, FileEntry[]>
  'files.remove': Method<{ id: string }, void>
  'files.setPinned': Method<{ id: string, pinned: boolean }, FileEntry>
  'content.stat': Method<{ path: string }, ContentStat>
  /** Streams the bytes of a file; the stream is transferred to the caller. */
  'content.cat': Method<{ path: string }, ReadableStream<Uint8Array>>
  'storage.info': Method<void, StorageInfo>
  'storage.gc': Method<void, { removed: number }>
  'config.get': Method<void, ConfigState>
  'config.set': Method<NodeConfig, ConfigState>
  'config.reset': Method<void, ConfigState>
}

export type NodeEvent =
  | { type: 'files:changed' }
  | { type: 'connections:changed' }
  | { type: 'config:changed' }
  | { type: 'status', status: NodeIdentity['status'] }
