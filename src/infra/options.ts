/**
 * The infra node's options, from flags or environment variables, with the
 * defaults `npm start` and the tests rely on. The limits' defaults are for a
 * node open to the public; every one of them is a flag.
 */
import { parseArgs } from 'node:util'

const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB
const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE

export const DEFAULT_HOST = '127.0.0.1'
export const DEFAULT_WS_PORT = 4101
export const DEFAULT_HTTP_PORT = 4102
export const DEFAULT_WSS_PORT = 4103
export const DEFAULT_WEBRTC_DIRECT_PORT = 4104
export const DEFAULT_DATA_DIR = '.pollen-infra'
export const DEFAULT_RELAY_MAX_RESERVATIONS = 128
/** Relayed connections carry signalling and small transfers; big ones go direct. */
export const DEFAULT_RELAY_DATA_LIMIT = 128 * MiB
export const DEFAULT_RELAY_DURATION_LIMIT_MS = 10 * MINUTE

/** Request line and headers together; Node.js allows 16 KiB, no client of this API needs more than a few hundred bytes. */
export const DEFAULT_HTTP_MAX_HEADER_BYTES = 8 * KiB
/** No route takes a body but the IPNS PUT, whose records are at most 10 KiB. */
export const DEFAULT_HTTP_BODY_LIMIT = 16 * KiB
/** The whole request, headers and body, must arrive within this (slow-loris). */
export const DEFAULT_HTTP_REQUEST_TIMEOUT_MS = 10 * SECOND
/** A connection that carries nothing either way for this long is closed (a reader that stopped reading). */
export const DEFAULT_HTTP_IDLE_TIMEOUT_MS = 60 * SECOND
export const DEFAULT_HTTP_MAX_CONNECTIONS = 1024
/** Requests per minute from one IP address (an IPv6 /64) to the routes without a limit of their own. */
export const DEFAULT_HTTP_RATE_LIMIT = 1200

/**
 * Each preloaded block counts at least this much against the byte limits: a
 * DAG of tiny blocks would otherwise cost more in bookkeeping than its bytes.
 */
export const PRELOAD_MIN_BLOCK_CHARGE = 4 * KiB
/** One preload may fetch at most this much; each block counts at least PRELOAD_MIN_BLOCK_CHARGE. */
export const DEFAULT_PRELOAD_MAX_BYTES = 128 * MiB
/** All preloaded DAGs together, walks in progress included. */
export const DEFAULT_PRELOAD_MAX_HELD_BYTES = 4 * GiB
/** As the IPFS docs describe the public preload nodes: content is kept for about an hour. */
export const DEFAULT_PRELOAD_TTL_MS = HOUR
export const DEFAULT_PRELOAD_MAX_WALKS = 8
export const DEFAULT_PRELOAD_MAX_WALKS_PER_IP = 2
export const DEFAULT_PRELOAD_RATE_LIMIT = 60
/** A preload that has not finished by then is abandoned. */
export const DEFAULT_PRELOAD_TIMEOUT_MS = 5 * MINUTE
/** A preload that receives no block for this long is abandoned (a root nobody has). */
export const DEFAULT_PRELOAD_IDLE_TIMEOUT_MS = 30 * SECOND

export const DEFAULT_IPNS_MAX_NAMES = 10_000
/** Like a DHT record: a name not republished within this is dropped, whatever its validity says. */
export const DEFAULT_IPNS_MAX_AGE_MS = 48 * HOUR
export const DEFAULT_IPNS_RATE_LIMIT = 30

export interface HttpLimits {
  maxHeaderBytes: number
  bodyLimit: number
  requestTimeoutMs: number
  idleTimeoutMs: number
  maxConnections: number
  /** Requests per minute per IP address. */
  rateLimit: number
  /** Addresses of reverse proxies whose X-Forwarded-For is believed. */
  trustProxy: string[]
}

export interface PreloadLimits {
  maxBytes: number
  maxHeldBytes: number
  ttlMs: number
  maxWalks: number
  maxWalksPerIp: number
  /** Requests per minute per IP address. */
  rateLimit: number
  timeoutMs: number
  idleTimeoutMs: number
}

export interface IpnsLimits {
  maxNames: number
  maxAgeMs: number
  /** PUTs per minute per IP address. */
  rateLimit: number
}

export interface InfraOptions {
  host: string
  wsPort: number
  httpPort: number
  /** UDP port for WebRTC-direct, which browsers dial without a certificate anyone signed. */
  webRtcDirectPort: number
  /** Secure WebSockets, when a certificate is given. */
  tls?: { certFile: string, keyFile: string, wssPort: number }
  dataDir: string
  /** Origins whose pages may call the preload endpoint (CORS and an Origin check). */
  allowedOrigins: string[]
  relay: {
    maxReservations: number
    dataLimit: number
    durationLimitMs: number
  }
  http: HttpLimits
  preload: PreloadLimits
  ipns: IpnsLimits
}

function formatBytes (n: number): string {
  if (n % GiB === 0) return `${n / GiB}GiB`
  if (n % MiB === 0) return `${n / MiB}MiB`
  if (n % KiB === 0) return `${n / KiB}KiB`
  return String(n)
}

function formatDuration (ms: number): string {
  if (ms % HOUR === 0) return `${ms / HOUR}h`
  if (ms % MINUTE === 0) return `${ms / MINUTE}m`
  if (ms % SECOND === 0) return `${ms / SECOND}s`
  return `${ms}ms`
}

export const USAGE = `pollen-infra: bootstrap peer, circuit relay v2, delegated routing, preload and trustless gateway for Pollen

Usage: node src/infra/cli.ts [options]

Every option can also be set by the environment variable named after it (--preload-ttl: POLLEN_INFRA_PRELOAD_TTL).
BYTES take a suffix KiB, MiB or GiB; DURATION a suffix ms, s, m or h (a bare number is milliseconds).

  --host ADDR                 address to listen on (POLLEN_INFRA_HOST, default ${DEFAULT_HOST})
  --ws-port N                 libp2p WebSocket port (POLLEN_INFRA_WS_PORT, default ${DEFAULT_WS_PORT}; 0 = any)
  --http-port N               HTTP port: routing, preload, gateway (POLLEN_INFRA_HTTP_PORT, default ${DEFAULT_HTTP_PORT}; 0 = any)
  --webrtc-direct-port N      UDP port for WebRTC-direct (POLLEN_INFRA_WEBRTC_DIRECT_PORT, default ${DEFAULT_WEBRTC_DIRECT_PORT}; 0 = any)
  --tls-cert FILE             PEM certificate: also listen on secure WebSockets (POLLEN_INFRA_TLS_CERT)
  --tls-key FILE              PEM private key of that certificate (POLLEN_INFRA_TLS_KEY)
  --wss-port N                secure WebSocket port (POLLEN_INFRA_WSS_PORT, default ${DEFAULT_WSS_PORT}; 0 = any)
  --data-dir DIR              identity and blocks (POLLEN_INFRA_DATA_DIR, default ${DEFAULT_DATA_DIR})
  --allow-origin ORIGIN       an app origin allowed to preload; repeatable (POLLEN_INFRA_ALLOW_ORIGINS, comma-separated)
  --relay-max-reservations N  (POLLEN_INFRA_RELAY_MAX_RESERVATIONS, default ${DEFAULT_RELAY_MAX_RESERVATIONS})
  --relay-data-limit BYTES    per relayed connection (POLLEN_INFRA_RELAY_DATA_LIMIT, default ${formatBytes(DEFAULT_RELAY_DATA_LIMIT)})
  --relay-duration-limit DURATION  per relayed connection (POLLEN_INFRA_RELAY_DURATION_LIMIT, default ${formatDuration(DEFAULT_RELAY_DURATION_LIMIT_MS)})

HTTP limits, on every endpoint:
  --http-max-header-bytes BYTES  request line and headers; more is answered 431 (default ${formatBytes(DEFAULT_HTTP_MAX_HEADER_BYTES)})
  --http-body-limit BYTES     a request body; more is answered 413 (default ${formatBytes(DEFAULT_HTTP_BODY_LIMIT)})
  --http-request-timeout DURATION  the whole request must arrive within it, or 408 (default ${formatDuration(DEFAULT_HTTP_REQUEST_TIMEOUT_MS)})
  --http-idle-timeout DURATION  a connection silent both ways for this long is closed (default ${formatDuration(DEFAULT_HTTP_IDLE_TIMEOUT_MS)})
  --http-max-connections N    open connections at once; more are closed on arrival (default ${DEFAULT_HTTP_MAX_CONNECTIONS})
  --rate-limit N              requests per minute per IP address (IPv6: per /64) to routes without a
                              limit of their own; more are answered 429 with Retry-After (default ${DEFAULT_HTTP_RATE_LIMIT})
  --trust-proxy ADDR          a reverse proxy whose X-Forwarded-For names the client; repeatable, addresses
                              or CIDR ranges (POLLEN_INFRA_TRUST_PROXY, comma-separated). Without it behind a
                              proxy, every client shares the proxy's address and its limits.

Preload (POST /api/v0/refs?arg=<cid>&r=true, as Kubo's RPC):
  --preload-max-bytes BYTES   one preload fetches at most this; each block counts at least ${formatBytes(PRELOAD_MIN_BLOCK_CHARGE)} (default ${formatBytes(DEFAULT_PRELOAD_MAX_BYTES)})
  --preload-max-held-bytes BYTES  all preloaded content together (default ${formatBytes(DEFAULT_PRELOAD_MAX_HELD_BYTES)})
  --preload-ttl DURATION      a preloaded DAG is kept this long after its last preload, then deleted (default ${formatDuration(DEFAULT_PRELOAD_TTL_MS)})
  --preload-max-walks N       preloads in progress at once; more are answered 503 with Retry-After (default ${DEFAULT_PRELOAD_MAX_WALKS})
  --preload-max-walks-per-ip N  of those from one IP address; more are answered 429 (default ${DEFAULT_PRELOAD_MAX_WALKS_PER_IP})
  --preload-rate-limit N      preload requests per minute per IP address (default ${DEFAULT_PRELOAD_RATE_LIMIT})
  --preload-timeout DURATION  a preload is abandoned after this (default ${formatDuration(DEFAULT_PRELOAD_TIMEOUT_MS)})
  --preload-idle-timeout DURATION  or when no block arrived for this long (default ${formatDuration(DEFAULT_PRELOAD_IDLE_TIMEOUT_MS)})
  A preload over a limit ends with an error: a status (413 too big, 507 storage full, 504 timed out) when
  it fails before the first reference is sent, otherwise a last line {"Ref":"","Err":"<why>"}. Whatever a
  failed preload fetched is deleted at once. GET /preload answers what the node holds: {"roots","blocks",
  "bytes","countedBytes","maxHeldBytes","ttlSeconds","nextExpiry","walks","maxWalks"}; GET /preload/<cid> one root's
  {"root","blocks","bytes","preloadedAt","expiresAt"} (404 when not held). The list of roots is not
  published: a CID is the capability to read what a browser added.

IPNS records (PUT /routing/v1/ipns/<name>):
  --ipns-max-names N          names kept at once; a new one beyond is answered 507 (default ${DEFAULT_IPNS_MAX_NAMES})
  --ipns-max-age DURATION     a name not republished within this is dropped; expired records are dropped
                              anyway (default ${formatDuration(DEFAULT_IPNS_MAX_AGE_MS)})
  --ipns-rate-limit N         PUTs per minute per IP address (default ${DEFAULT_IPNS_RATE_LIMIT})
  A record's body is at most 10KiB (the IPNS spec's limit); more is answered 413 without reading it all.

CORS: the read-only API (GET /routing/v1/*, GET /ipfs/*, GET /preload) answers any origin
(Access-Control-Allow-Origin: *, no credentials): it hands out public data. The preload endpoint answers
only the origins given by --allow-origin (the header names that origin) and refuses a request whose
Origin header names any other with 403: this keeps other sites' pages from using visitors' browsers to
preload, and is no defence against other clients, which set any Origin they like; the limits above are.
IPNS PUT has no CORS: browsers cannot publish from a page; records are signed and verified either way.
The HTTP API speaks plain HTTP: in public, put it behind a reverse proxy that terminates TLS, and name
that proxy with --trust-proxy.

  --help                      this text

On start it prints one JSON line {"event":"ready", ...} with its peer ID, multiaddrs, HTTP URL and what
preload holds; then one JSON log line per request (those the rate limits refuse are summed up once a
minute instead) and per preload kept, failed or expired.`

function integer (name: string, value: string | undefined, fallback: number): number {
  if (value == null || value === '') return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, not "${value}"`)
  return n
}

/** A limit: a whole number above zero (to loosen a limit, give a large one). */
function positive (name: string, value: string | undefined, fallback: number): number {
  const n = integer(name, value, fallback)
  if (n === 0) throw new Error(`${name} must be above zero`)
  return n
}

const BYTE_UNITS: Record<string, number> = { '': 1, B: 1, KiB: KiB, MiB: MiB, GiB: GiB }
const DURATION_UNITS: Record<string, number> = { '': 1, ms: 1, s: SECOND, m: MINUTE, h: HOUR }

function withUnit (name: string, value: string | undefined, fallback: number, units: Record<string, number>, what: string): number {
  if (value == null || value === '') return fallback
  const match = /^(\d+)\s*([A-Za-z]*)$/.exec(value.trim())
  const unit = match == null ? undefined : units[match[2]]
  if (match == null || unit == null) throw new Error(`${name} must be ${what}, not "${value}"`)
  const n = Number(match[1]) * unit
  if (n === 0) throw new Error(`${name} must be above zero`)
  return n
}

function bytes (name: string, value: string | undefined, fallback: number): number {
  return withUnit(name, value, fallback, BYTE_UNITS, 'a number of bytes like 65536 or 64KiB (KiB, MiB, GiB)')
}

function duration (name: string, value: string | undefined, fallback: number): number {
  return withUnit(name, value, fallback, DURATION_UNITS, 'a duration like 1500, 90s, 10m or 1h (ms, s, m, h)')
}

function list (values: string[] | undefined, env: string | undefined): string[] {
  return values ?? (env ?? '').split(',').map(v => v.trim()).filter(v => v !== '')
}

export function parseOptions (argv: string[], env: NodeJS.ProcessEnv): InfraOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string' },
      'ws-port': { type: 'string' },
      'http-port': { type: 'string' },
      'webrtc-direct-port': { type: 'string' },
      'data-dir': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'wss-port': { type: 'string' },
      'allow-origin': { type: 'string', multiple: true },
      'relay-max-reservations': { type: 'string' },
      'relay-data-limit': { type: 'string' },
      'relay-duration-limit': { type: 'string' },
      'http-max-header-bytes': { type: 'string' },
      'http-body-limit': { type: 'string' },
      'http-request-timeout': { type: 'string' },
      'http-idle-timeout': { type: 'string' },
      'http-max-connections': { type: 'string' },
      'rate-limit': { type: 'string' },
      'trust-proxy': { type: 'string', multiple: true },
      'preload-max-bytes': { type: 'string' },
      'preload-max-held-bytes': { type: 'string' },
      'preload-ttl': { type: 'string' },
      'preload-max-walks': { type: 'string' },
      'preload-max-walks-per-ip': { type: 'string' },
      'preload-rate-limit': { type: 'string' },
      'preload-timeout': { type: 'string' },
      'preload-idle-timeout': { type: 'string' },
      'ipns-max-names': { type: 'string' },
      'ipns-max-age': { type: 'string' },
      'ipns-rate-limit': { type: 'string' },
      help: { type: 'boolean' }
    }
  })
  if (values.help === true) return 'help'
  const origins = list(values['allow-origin'], env.POLLEN_INFRA_ALLOW_ORIGINS)
  for (const origin of origins) {
    if (new URL(origin).origin !== origin) throw new Error(`--allow-origin takes an origin like http://app.localhost:8080, not "${origin}"`)
  }
  const certFile = values['tls-cert'] ?? env.POLLEN_INFRA_TLS_CERT
  const keyFile = values['tls-key'] ?? env.POLLEN_INFRA_TLS_KEY
  if ((certFile == null) !== (keyFile == null)) throw new Error('--tls-cert and --tls-key go together: give both or neither')
  // Each limit from its flag, else from POLLEN_INFRA_<FLAG IN CAPITALS>, else its default.
  const flag = (name: keyof typeof values): string | undefined => {
    const value = values[name]
    return typeof value === 'string' ? value : env[`POLLEN_INFRA_${name.toUpperCase().replaceAll('-', '_')}`]
  }
  const maxBytes = bytes('--preload-max-bytes', flag('preload-max-bytes'), DEFAULT_PRELOAD_MAX_BYTES)
  const maxHeldBytes = bytes('--preload-max-held-bytes', flag('preload-max-held-bytes'), DEFAULT_PRELOAD_MAX_HELD_BYTES)
  if (maxHeldBytes < maxBytes) throw new Error(`--preload-max-held-bytes (${maxHeldBytes}) must be at least --preload-max-bytes (${maxBytes})`)
  const maxWalks = positive('--preload-max-walks', flag('preload-max-walks'), DEFAULT_PRELOAD_MAX_WALKS)
  return {
    tls: certFile != null && keyFile != null
      ? { certFile, keyFile, wssPort: integer('--wss-port', values['wss-port'] ?? env.POLLEN_INFRA_WSS_PORT, DEFAULT_WSS_PORT) }
      : undefined,
    host: values.host ?? env.POLLEN_INFRA_HOST ?? DEFAULT_HOST,
    wsPort: integer('--ws-port', values['ws-port'] ?? env.POLLEN_INFRA_WS_PORT, DEFAULT_WS_PORT),
    httpPort: integer('--http-port', values['http-port'] ?? env.POLLEN_INFRA_HTTP_PORT, DEFAULT_HTTP_PORT),
    webRtcDirectPort: integer('--webrtc-direct-port', values['webrtc-direct-port'] ?? env.POLLEN_INFRA_WEBRTC_DIRECT_PORT, DEFAULT_WEBRTC_DIRECT_PORT),
    dataDir: values['data-dir'] ?? env.POLLEN_INFRA_DATA_DIR ?? DEFAULT_DATA_DIR,
    allowedOrigins: origins,
    relay: {
      maxReservations: integer('--relay-max-reservations', values['relay-max-reservations'] ?? env.POLLEN_INFRA_RELAY_MAX_RESERVATIONS, DEFAULT_RELAY_MAX_RESERVATIONS),
      dataLimit: bytes('--relay-data-limit', values['relay-data-limit'] ?? env.POLLEN_INFRA_RELAY_DATA_LIMIT, DEFAULT_RELAY_DATA_LIMIT),
      durationLimitMs: duration('--relay-duration-limit', values['relay-duration-limit'] ?? env.POLLEN_INFRA_RELAY_DURATION_LIMIT, DEFAULT_RELAY_DURATION_LIMIT_MS)
    },
    http: {
      maxHeaderBytes: bytes('--http-max-header-bytes', flag('http-max-header-bytes'), DEFAULT_HTTP_MAX_HEADER_BYTES),
      bodyLimit: bytes('--http-body-limit', flag('http-body-limit'), DEFAULT_HTTP_BODY_LIMIT),
      requestTimeoutMs: duration('--http-request-timeout', flag('http-request-timeout'), DEFAULT_HTTP_REQUEST_TIMEOUT_MS),
      idleTimeoutMs: duration('--http-idle-timeout', flag('http-idle-timeout'), DEFAULT_HTTP_IDLE_TIMEOUT_MS),
      maxConnections: positive('--http-max-connections', flag('http-max-connections'), DEFAULT_HTTP_MAX_CONNECTIONS),
      rateLimit: positive('--rate-limit', flag('rate-limit'), DEFAULT_HTTP_RATE_LIMIT),
      trustProxy: list(values['trust-proxy'], env.POLLEN_INFRA_TRUST_PROXY)
    },
    preload: {
      maxBytes,
      maxHeldBytes,
      ttlMs: duration('--preload-ttl', flag('preload-ttl'), DEFAULT_PRELOAD_TTL_MS),
      maxWalks,
      maxWalksPerIp: Math.min(maxWalks, positive('--preload-max-walks-per-ip', flag('preload-max-walks-per-ip'), DEFAULT_PRELOAD_MAX_WALKS_PER_IP)),
      rateLimit: positive('--preload-rate-limit', flag('preload-rate-limit'), DEFAULT_PRELOAD_RATE_LIMIT),
      timeoutMs: duration('--preload-timeout', flag('preload-timeout'), DEFAULT_PRELOAD_TIMEOUT_MS),
      idleTimeoutMs: duration('--preload-idle-timeout', flag('preload-idle-timeout'), DEFAULT_PRELOAD_IDLE_TIMEOUT_MS)
    },
    ipns: {
      maxNames: positive('--ipns-max-names', flag('ipns-max-names'), DEFAULT_IPNS_MAX_NAMES),
      maxAgeMs: duration('--ipns-max-age', flag('ipns-max-age'), DEFAULT_IPNS_MAX_AGE_MS),
      rateLimit: positive('--ipns-rate-limit', flag('ipns-rate-limit'), DEFAULT_IPNS_RATE_LIMIT)
    }
  }
}
