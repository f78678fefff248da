/**
 * The infra node's options, from flags or environment variables, with the
 * defaults `npm start` and the tests rely on.
 */
import { parseArgs } from 'node:util'

export const DEFAULT_HOST = '127.0.0.1'
export const DEFAULT_WS_PORT = 4101
export const DEFAULT_HTTP_PORT = 4102
export const DEFAULT_WSS_PORT = 4103
export const DEFAULT_WEBRTC_DIRECT_PORT = 4104
export const DEFAULT_DATA_DIR = '.pollen-infra'
export const DEFAULT_RELAY_MAX_RESERVATIONS = 128
/** Relayed connections carry signalling and small transfers; big ones go direct. */
export const DEFAULT_RELAY_DATA_LIMIT = 128 * 1024 * 1024
export const DEFAULT_RELAY_DURATION_LIMIT_MS = 10 * 60 * 1000

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
}

export const USAGE = `pollen-infra: bootstrap peer, circuit relay v2, delegated routing, preload and trustless gateway for Pollen

Usage: node src/infra/cli.ts [options]

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
  --relay-data-limit BYTES    per relayed connection (POLLEN_INFRA_RELAY_DATA_LIMIT, default ${DEFAULT_RELAY_DATA_LIMIT})
  --relay-duration-limit MS   per relayed connection (POLLEN_INFRA_RELAY_DURATION_LIMIT, default ${DEFAULT_RELAY_DURATION_LIMIT_MS})
  --help                      this text

On start it prints one JSON line {"event":"ready", ...} with its peer ID, multiaddrs and HTTP URL.`

function integer (name: string, value: string | undefined, fallback: number): number {
  if (value == null || value === '') return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, not "${value}"`)
  return n
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
      help: { type: 'boolean' }
    }
  })
  if (values.help === true) return 'help'
  const origins = values['allow-origin'] ?? (env.POLLEN_INFRA_ALLOW_ORIGINS ?? '').split(',').filter(o => o !== '')
  for (const origin of origins) {
    if (new URL(origin).origin !== origin) throw new Error(`--allow-origin takes an origin like http://app.localhost:8080, not "${origin}"`)
  }
  const certFile = values['tls-cert'] ?? env.POLLEN_INFRA_TLS_CERT
  const keyFile = values['tls-key'] ?? env.POLLEN_INFRA_TLS_KEY
  if ((certFile == null) !== (keyFile == null)) throw new Error('--tls-cert and --tls-key go together: give both or neither')
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
      dataLimit: integer('--relay-data-limit', values['relay-data-limit'] ?? env.POLLEN_INFRA_RELAY_DATA_LIMIT, DEFAULT_RELAY_DATA_LIMIT),
      durationLimitMs: integer('--relay-duration-limit', values['relay-duration-limit'] ?? env.POLLEN_INFRA_RELAY_DURATION_LIMIT, DEFAULT_RELAY_DURATION_LIMIT_MS)
    }
  }
}
