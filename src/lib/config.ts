/**
 * The node's configuration: one object, validated in one place, with the
 * public defaults of DESIGN.md §2. A deployment may replace the defaults with
 * a `deployment.json` served beside the app (`npm start` and the tests point
 * every role at their own infra node that way).
 */
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { InvalidConfigError } from './errors.ts'

export interface NodeConfig {
  /** Multiaddrs dialled at start. */
  bootstrap: string[]
  /** Delegated Routing V1 HTTP API endpoints. */
  delegates: string[]
  /** Kubo-RPC-compatible preload endpoints, called after every add. */
  preload: string[]
  /** Trustless gateways used as a last resort for blocks. */
  gateways: string[]
  /** STUN/TURN servers for WebRTC; none on a local network. */
  iceServers: string[]
  /** DNS-over-HTTPS (JSON API) resolvers for DNSLink names and /dnsaddr/ addresses; none means Helia's defaults. */
  dnsResolvers: string[]
  /** How long a read waits for blocks from the network before it gives up. */
  fetchTimeoutSeconds: number
  /** Announce added content to the public DHT (as a DHT client, never a server). */
  dhtAnnounce: boolean
  /**
   * How the gateway gives content an origin: 'subdomain' (<cid>.ipfs.<host>,
   * each root isolated) or 'path' (/ipfs/<cid> on the app origin, for hosts
   * without wildcard subdomains; pages run only from roots the user trusts).
   */
  gatewayMode: GatewayMode
  /**
   * Dial loopback and private-network addresses: on for a local network
   * (`npm start`, the tests); off on the public network, where such addresses
   * in a peer record point at the wrong machine (browsers' default).
   */
  dialPrivateAddresses: boolean
}

export type GatewayMode = 'subdomain' | 'path'
export const GATEWAY_MODES: readonly GatewayMode[] = ['subdomain', 'path']

export type ConfigList = 'bootstrap' | 'delegates' | 'preload' | 'gateways' | 'iceServers' | 'dnsResolvers'

export const DEFAULT_FETCH_TIMEOUT_SECONDS = 60
export const MIN_FETCH_TIMEOUT_SECONDS = 1
export const MAX_FETCH_TIMEOUT_SECONDS = 3600

export const CONFIG_LISTS: readonly ConfigList[] = ['bootstrap', 'delegates', 'preload', 'gateways', 'iceServers', 'dnsResolvers']

export const PUBLIC_DEFAULTS: NodeConfig = {
  bootstrap: [
    '/dnsaddr/bootstrap.libp2p.io/p2p/QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN',
    '/dnsaddr/bootstrap.libp2p.io/p2p/QmQCU2EcMqAqQPR2i9bChDtGNJchTbq5TbXJJ16u19uLTa',
    '/dnsaddr/bootstrap.libp2p.io/p2p/QmbLHAnMoJPWSCR5Zhtx6BHJX9KiKNN6tpvbUcqanj75Nb',
    '/dnsaddr/bootstrap.libp2p.io/p2p/QmcZf59bWwK5XFi76CZX8cbJ4BhTzzA3gU1ZjYZcYW3dwt'
  ],
  delegates: ['https://delegated-ipfs.dev'],
  // The public js-ipfs preload nodes were shut down; self-hosters add their own.
  preload: [],
  gateways: ['https://trustless-gateway.link'],
  iceServers: ['stun:stun.l.google.com:19302', 'stun:global.stun.twilio.com:3478'],
  dnsResolvers: ['https://cloudflare-dns.com/dns-query'],
  fetchTimeoutSeconds: DEFAULT_FETCH_TIMEOUT_SECONDS,
  dhtAnnounce: false,
  gatewayMode: 'subdomain',
  dialPrivateAddresses: false
}

/** 127.0.0.0/8, ::1 and localhost: this machine, where no one sits on the way. */
export function isLoopbackHost (hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

/** Checks one entry of a list; returns it normalised or throws InvalidConfigError saying why. */
export function validateEntry (list: ConfigList, value: string): string {
  const entry = value.trim()
  if (entry === '') throw new InvalidConfigError('The entry is empty')
  if (list === 'iceServers') {
    if (!/^(stun|stuns|turn|turns):[^\s/]+$/.test(entry)) {
      throw new InvalidConfigError(`"${entry}" is not a STUN or TURN server: write it as stun:host:port or turn:host:port`)
    }
    return entry
  }
  if (list === 'bootstrap') {
    let addr
    try {
      addr = multiaddr(entry)
    } catch (err) {
      throw new InvalidConfigError(`"${entry}" is not a valid multiaddr: ${(err as Error).message}`)
    }
    const peer = addr.getComponents().find(c => c.name === 'p2p')?.value
    if (peer == null) {
      throw new InvalidConfigError(`"${entry}" has no /p2p/<peer id> part; a bootstrap address must name its peer`)
    }
    try {
      peerIdFromString(peer)
    } catch {
      throw new InvalidConfigError(`"${peer}" in "${entry}" is not a valid peer ID`)
    }
    return addr.toString()
  }
  let url: URL
  try {
    url = new URL(entry)
  } catch {
    throw new InvalidConfigError(`"${entry}" is not a valid URL`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new InvalidConfigError(`"${entry}" must be an http:// or https:// URL`)
  }
  if (list === 'dnsResolvers' && url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new InvalidConfigError(`"${entry}" must be https://: over plain http anyone on the way could change the answers, and with them what DNSLink names show (http:// is taken only on this machine's loopback)`)
  }
  return url.href.replace(/\/$/, '')
}

export function validateFetchTimeout (value: unknown): number {
  const seconds = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < MIN_FETCH_TIMEOUT_SECONDS || seconds > MAX_FETCH_TIMEOUT_SECONDS) {
    throw new InvalidConfigError(`The fetch timeout must be a whole number of seconds from ${MIN_FETCH_TIMEOUT_SECONDS} to ${MAX_FETCH_TIMEOUT_SECONDS}`)
  }
  return seconds
}

/** Validates a whole config; unknown keys are dropped, duplicates removed. */
export function validateConfig (input: unknown): NodeConfig {
  if (typeof input !== 'object' || input === null) throw new InvalidConfigError('The configuration must be an object')
  const source = input as Partial<Record<keyof NodeConfig, unknown>>
  const out = {} as NodeConfig
  out.fetchTimeoutSeconds = validateFetchTimeout(source.fetchTimeoutSeconds ?? DEFAULT_FETCH_TIMEOUT_SECONDS)
  if (typeof (source.dhtAnnounce ?? false) !== 'boolean') throw new InvalidConfigError('"dhtAnnounce" must be true or false')
  out.dhtAnnounce = source.dhtAnnounce === true
  const mode = source.gatewayMode ?? 'subdomain'
  if (!GATEWAY_MODES.includes(mode as GatewayMode)) throw new InvalidConfigError(`"gatewayMode" must be one of ${GATEWAY_MODES.join(', ')}`)
  out.gatewayMode = mode as GatewayMode
  if (typeof (source.dialPrivateAddresses ?? false) !== 'boolean') throw new InvalidConfigError('"dialPrivateAddresses" must be true or false')
  out.dialPrivateAddresses = source.dialPrivateAddresses === true
  for (const list of CONFIG_LISTS) {
    const value = source[list] ?? []
    if (!Array.isArray(value) || value.some(v => typeof v !== 'string')) {
      throw new InvalidConfigError(`"${list}" must be a list of strings`)
    }
    out[list] = [...new Set(value.map(v => validateEntry(list, v as string)))]
  }
  return out
}

/** Applies a deployment's partial defaults over the public ones. */
export function deploymentDefaults (deployment: unknown): NodeConfig {
  if (deployment == null) return structuredClone(PUBLIC_DEFAULTS)
  const partial = (deployment as { defaults?: Partial<NodeConfig> }).defaults ?? {}
  return validateConfig({ ...PUBLIC_DEFAULTS, ...partial })
}

/** Warnings to show beside a valid config. */
export function configWarnings (config: NodeConfig): string[] {
  const warnings: string[] = []
  if (config.bootstrap.length === 1) {
    warnings.push('Only one bootstrap peer is left: if it goes down, this node has nobody to connect to after a restart. Add another or reset to the defaults.')
  } else if (config.bootstrap.length === 0) {
    warnings.push('No bootstrap peers: this node will not join any network at start.')
  }
  if (config.delegates.length === 0) {
    warnings.push('No delegate routers: content is found only from already connected peers and gateways.')
  }
  return warnings
}
