import { describe, expect, it } from 'vitest'
import {
  CONFIG_LISTS,
  PUBLIC_DEFAULTS,
  configWarnings,
  deploymentDefaults,
  validateConfig,
  validateEntry,
  type NodeConfig
} from '../../src/lib/config.ts'
import { InvalidConfigError } from '../../src/lib/errors.ts'

const PEER = 'QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN'
const PEER2 = 'QmQCU2EcMqAqQPR2i9bChDtGNJchTbq5TbXJJ16u19uLTa'

/** Runs fn, expects it to throw InvalidConfigError, returns the error. */
function configError (fn: () => unknown): InvalidConfigError {
  try {
    fn()
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidConfigError)
    expect((err as Error).name).toBe('InvalidConfigError')
    return err as InvalidConfigError
  }
  throw new Error('expected an InvalidConfigError, nothing was thrown')
}

describe('validateEntry: bootstrap', () => {
  it('accepts a multiaddr with a /p2p/ part and returns it unchanged', () => {
    const addr = `/ip4/1.2.3.4/tcp/4001/p2p/${PEER}`
    expect(validateEntry('bootstrap', addr)).toBe(addr)
  })

  it('accepts dnsaddr, wss and tls/sni/ws multiaddrs', () => {
    for (const addr of [
      `/dnsaddr/bootstrap.libp2p.io/p2p/${PEER}`,
      `/dns4/relay.example.org/tcp/443/wss/p2p/${PEER}`,
      `/dns4/relay.example.org/tcp/443/tls/sni/relay.example.org/ws/p2p/${PEER}`
    ]) {
      expect(validateEntry('bootstrap', addr)).toBe(addr)
    }
  })

  it('trims surrounding whitespace', () => {
    expect(validateEntry('bootstrap', `  /ip4/1.2.3.4/tcp/4001/p2p/${PEER}\n`)).toBe(`/ip4/1.2.3.4/tcp/4001/p2p/${PEER}`)
  })

  it('refuses text that is not a multiaddr at all', () => {
    const err = configError(() => validateEntry('bootstrap', 'bootstrap.libp2p.io'))
    expect(err.message).toContain('"bootstrap.libp2p.io" is not a valid multiaddr')
  })

  it('refuses a multiaddr with an invalid IPv4 address', () => {
    const err = configError(() => validateEntry('bootstrap', `/ip4/999.1.1.1/tcp/4001/p2p/${PEER}`))
    expect(err.message).toMatch(/is not a valid multiaddr/)
  })

  it('refuses a multiaddr with a non-numeric port', () => {
    const err = configError(() => validateEntry('bootstrap', `/ip4/1.2.3.4/tcp/http/p2p/${PEER}`))
    expect(err.message).toMatch(/is not a valid multiaddr/)
  })

  it('refuses an unknown protocol name', () => {
    configError(() => validateEntry('bootstrap', `/ip4/1.2.3.4/nosuchproto/1/p2p/${PEER}`))
  })

  it('refuses a valid multiaddr without a /p2p/ part, saying why', () => {
    const err = configError(() => validateEntry('bootstrap', '/ip4/1.2.3.4/tcp/4001'))
    expect(err.message).toContain('"/ip4/1.2.3.4/tcp/4001" has no /p2p/<peer id> part')
  })

  it('refuses a lone "/" (a multiaddr with no components)', () => {
    const err = configError(() => validateEntry('bootstrap', '/'))
    expect(err.message).toMatch(/no \/p2p\/<peer id> part/)
  })

  it('refuses an http URL in the bootstrap list', () => {
    configError(() => validateEntry('bootstrap', 'https://bootstrap.libp2p.io'))
  })

  it('refuses an empty or blank entry', () => {
    expect(configError(() => validateEntry('bootstrap', '')).message).toBe('The entry is empty')
    expect(configError(() => validateEntry('bootstrap', '   \t')).message).toBe('The entry is empty')
  })

  // KNOWN BUG (see report): @multiformats/multiaddr 13 does not check the value of
  // /p2p/, so a bootstrap address naming no real peer passes validation.
  it('refuses a /p2p/ part that is not a peer id', () => {
    configError(() => validateEntry('bootstrap', '/ip4/1.2.3.4/tcp/4001/p2p/notapeer'))
  })
})

describe('validateEntry: DNS-over-HTTPS resolvers', () => {
  it('takes https, and plain http on loopback only (anyone on the way could change the answers)', () => {
    expect(validateEntry('dnsResolvers', 'https://cloudflare-dns.com/dns-query')).toBe('https://cloudflare-dns.com/dns-query')
    expect(validateEntry('dnsResolvers', 'http://127.0.0.1:5353/dns-query')).toBe('http://127.0.0.1:5353/dns-query')
    expect(validateEntry('dnsResolvers', 'http://[::1]:5353/dns-query')).toBe('http://[::1]:5353/dns-query')
    for (const url of ['http://dns.example/dns-query', 'http://192.168.1.1/dns-query', 'http://127.0.0.1.evil.example/dns-query']) {
      expect(configError(() => validateEntry('dnsResolvers', url)).message).toContain('must be https://')
    }
  })
})

describe('validateEntry: URL lists', () => {
  for (const list of ['delegates', 'preload', 'gateways'] as const) {
    it(`${list}: accepts https and http URLs`, () => {
      expect(validateEntry(list, 'https://delegated-ipfs.dev')).toBe('https://delegated-ipfs.dev')
      expect(validateEntry(list, 'http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080')
    })

    it(`${list}: normalises a trailing slash away`, () => {
      expect(validateEntry(list, 'https://delegated-ipfs.dev/')).toBe('https://delegated-ipfs.dev')
      expect(validateEntry(list, 'https://example.org/routing/v1/')).toBe('https://example.org/routing/v1')
    })

    it(`${list}: refuses non-http schemes`, () => {
      for (const url of ['ftp://example.org', 'ws://example.org', 'wss://example.org', 'file:///etc/passwd', 'javascript:alert(1)', 'ipfs://bafy']) {
        const err = configError(() => validateEntry(list, url))
        expect(err.message).toBe(`"${url}" must be an http:// or https:// URL`)
      }
    })

    it(`${list}: refuses text that is not a URL`, () => {
      const err = configError(() => validateEntry(list, 'delegated-ipfs.dev'))
      expect(err.message).toBe('"delegated-ipfs.dev" is not a valid URL')
    })

    it(`${list}: refuses a multiaddr`, () => {
      configError(() => validateEntry(list, `/ip4/1.2.3.4/tcp/4001/p2p/${PEER}`))
    })

    it(`${list}: refuses an empty entry`, () => {
      expect(configError(() => validateEntry(list, ' ')).message).toBe('The entry is empty')
    })
  }

  it('lower-cases the scheme and host the way URL does', () => {
    expect(validateEntry('gateways', 'HTTPS://Trustless-Gateway.LINK/')).toBe('https://trustless-gateway.link')
  })

  it('keeps a query string', () => {
    expect(validateEntry('delegates', 'https://example.org/?key=1')).toBe('https://example.org/?key=1')
  })
})

describe('validateConfig', () => {
  it('accepts the public defaults unchanged', () => {
    expect(validateConfig(PUBLIC_DEFAULTS)).toEqual(PUBLIC_DEFAULTS)
  })

  it('normalises every entry', () => {
    const out = validateConfig({
      bootstrap: [` /ip4/1.2.3.4/tcp/4001/p2p/${PEER} `],
      delegates: ['https://d.example/'],
      preload: ['http://p.example:5001/'],
      gateways: ['https://g.example/']
    })
    expect(out).toEqual({
      bootstrap: [`/ip4/1.2.3.4/tcp/4001/p2p/${PEER}`],
      delegates: ['https://d.example'],
      preload: ['http://p.example:5001'],
      gateways: ['https://g.example'],
      iceServers: [],
      dnsResolvers: [],
      fetchTimeoutSeconds: 60,
      dhtAnnounce: false,
      gatewayMode: 'subdomain',
      dialPrivateAddresses: false
    })
  })

  it('removes duplicates, including ones that differ only before normalisation, keeping first order', () => {
    const out = validateConfig({
      bootstrap: [`/ip4/1.2.3.4/tcp/4001/p2p/${PEER2}`, `/ip4/1.2.3.4/tcp/4001/p2p/${PEER}`, ` /ip4/1.2.3.4/tcp/4001/p2p/${PEER2}`],
      delegates: ['https://a.example', 'https://a.example/', 'https://b.example', 'HTTPS://A.EXAMPLE'],
      preload: [],
      gateways: ['https://g.example', 'https://g.example']
    })
    expect(out.bootstrap).toEqual([`/ip4/1.2.3.4/tcp/4001/p2p/${PEER2}`, `/ip4/1.2.3.4/tcp/4001/p2p/${PEER}`])
    expect(out.delegates).toEqual(['https://a.example', 'https://b.example'])
    expect(out.gateways).toEqual(['https://g.example'])
  })

  it('treats missing lists as empty and drops unknown keys', () => {
    const out = validateConfig({ gateways: ['https://g.example'], extra: ['x'], __proto__: null })
    expect(out).toEqual({ bootstrap: [], delegates: [], preload: [], gateways: ['https://g.example'], iceServers: [], dnsResolvers: [], fetchTimeoutSeconds: 60, dhtAnnounce: false, gatewayMode: 'subdomain', dialPrivateAddresses: false })
    expect(Object.keys(out).sort()).toEqual([...CONFIG_LISTS, 'fetchTimeoutSeconds', 'dhtAnnounce', 'gatewayMode', 'dialPrivateAddresses'].sort())
  })

  it('treats null lists as empty', () => {
    expect(validateConfig({ bootstrap: null, delegates: null }).bootstrap).toEqual([])
  })

  it('refuses a non-object', () => {
    for (const input of [null, undefined, 'config', 42, true]) {
      expect(configError(() => validateConfig(input)).message).toBe('The configuration must be an object')
    }
  })

  it('refuses a list that is not an array of strings', () => {
    expect(configError(() => validateConfig({ bootstrap: 'x' })).message).toBe('"bootstrap" must be a list of strings')
    expect(configError(() => validateConfig({ gateways: ['https://g.example', 3] })).message).toBe('"gateways" must be a list of strings')
    expect(configError(() => validateConfig({ preload: { 0: 'https://p.example' } })).message).toBe('"preload" must be a list of strings')
  })

  it('refuses the whole config when one entry is bad', () => {
    const err = configError(() => validateConfig({ ...PUBLIC_DEFAULTS, delegates: ['https://ok.example', 'ftp://bad.example'] }))
    expect(err.message).toContain('ftp://bad.example')
  })

  it('does not mutate its input', () => {
    const input = { delegates: ['https://a.example/', 'https://a.example'] }
    validateConfig(input)
    expect(input.delegates).toEqual(['https://a.example/', 'https://a.example'])
  })
})

describe('deploymentDefaults', () => {
  it('returns a copy of the public defaults when there is no deployment', () => {
    for (const d of [null, undefined]) {
      const out = deploymentDefaults(d)
      expect(out).toEqual(PUBLIC_DEFAULTS)
      expect(out).not.toBe(PUBLIC_DEFAULTS)
      expect(out.bootstrap).not.toBe(PUBLIC_DEFAULTS.bootstrap)
    }
  })

  it('mutating the returned copy leaves the public defaults alone', () => {
    const out = deploymentDefaults(null)
    out.bootstrap.length = 0
    out.gateways.push('https://x.example')
    expect(PUBLIC_DEFAULTS.bootstrap).toHaveLength(4)
    expect(PUBLIC_DEFAULTS.gateways).toEqual(['https://trustless-gateway.link'])
  })

  it('returns the public defaults for a deployment without defaults', () => {
    expect(deploymentDefaults({})).toEqual(PUBLIC_DEFAULTS)
  })

  it('replaces only the lists the deployment names, validated', () => {
    const out = deploymentDefaults({ defaults: { bootstrap: [`/ip4/127.0.0.1/tcp/4001/ws/p2p/${PEER}`], gateways: ['http://127.0.0.1:8080/'] } })
    expect(out).toEqual({
      bootstrap: [`/ip4/127.0.0.1/tcp/4001/ws/p2p/${PEER}`],
      delegates: PUBLIC_DEFAULTS.delegates,
      preload: PUBLIC_DEFAULTS.preload,
      gateways: ['http://127.0.0.1:8080'],
      iceServers: PUBLIC_DEFAULTS.iceServers,
      dnsResolvers: PUBLIC_DEFAULTS.dnsResolvers,
      fetchTimeoutSeconds: PUBLIC_DEFAULTS.fetchTimeoutSeconds,
      dhtAnnounce: PUBLIC_DEFAULTS.dhtAnnounce,
      gatewayMode: 'subdomain',
      dialPrivateAddresses: false
    })
  })

  it('takes the gateway mode from a deployment, and refuses modes it does not know', () => {
    expect(deploymentDefaults({ defaults: { gatewayMode: 'path' } }).gatewayMode).toBe('path')
    expect(() => validateConfig({ gatewayMode: 'both' })).toThrow('"gatewayMode" must be one of subdomain, path')
  })

  it('lets a deployment empty a list', () => {
    expect(deploymentDefaults({ defaults: { delegates: [] } }).delegates).toEqual([])
  })

  it('refuses invalid deployment defaults', () => {
    configError(() => deploymentDefaults({ defaults: { bootstrap: ['/ip4/127.0.0.1/tcp/4001'] } }))
    configError(() => deploymentDefaults({ defaults: { delegates: 'https://d.example' } }))
  })
})

describe('configWarnings', () => {
  const base: NodeConfig = {
    bootstrap: [`/ip4/1.2.3.4/tcp/4001/p2p/${PEER}`, `/ip4/1.2.3.4/tcp/4001/p2p/${PEER2}`],
    delegates: ['https://d.example'],
    preload: [],
    gateways: [],
    iceServers: [],
    dnsResolvers: [],
    fetchTimeoutSeconds: 60,
    dhtAnnounce: false,
    gatewayMode: 'subdomain',
    dialPrivateAddresses: false
  }

  it('has no warnings for a config with two bootstrap peers and a delegate', () => {
    expect(configWarnings(base)).toEqual([])
    expect(configWarnings(PUBLIC_DEFAULTS)).toEqual([])
  })

  it('warns when only one bootstrap peer is left', () => {
    const warnings = configWarnings({ ...base, bootstrap: base.bootstrap.slice(0, 1) })
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/^Only one bootstrap peer is left/)
  })

  it('warns when there are no bootstrap peers', () => {
    const warnings = configWarnings({ ...base, bootstrap: [] })
    expect(warnings).toEqual(['No bootstrap peers: this node will not join any network at start.'])
  })

  it('warns when there are no delegate routers', () => {
    const warnings = configWarnings({ ...base, delegates: [] })
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/^No delegate routers/)
  })

  it('gives both warnings together, bootstrap first', () => {
    const warnings = configWarnings({ bootstrap: [], delegates: [], preload: [], gateways: [], iceServers: [], dnsResolvers: [], fetchTimeoutSeconds: 60, dhtAnnounce: false, gatewayMode: 'subdomain', dialPrivateAddresses: false })
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toMatch(/^No bootstrap peers/)
    expect(warnings[1]).toMatch(/^No delegate routers/)
  })

  it('does not warn about empty preload or gateway lists', () => {
    expect(configWarnings({ ...base, preload: [], gateways: [] })).toEqual([])
  })
})

describe('validateConfig: fetch timeout and DHT announce', () => {
  it('defaults to 60 s and no DHT announce when the keys are missing', () => {
    const config = validateConfig({ bootstrap: [] })
    expect(config.fetchTimeoutSeconds).toBe(60)
    expect(config.dhtAnnounce).toBe(false)
  })

  it('keeps a valid timeout, also given as text from a form field', () => {
    expect(validateConfig({ fetchTimeoutSeconds: 5 }).fetchTimeoutSeconds).toBe(5)
    expect(validateConfig({ fetchTimeoutSeconds: '120' }).fetchTimeoutSeconds).toBe(120)
  })

  it('refuses a timeout that is not a whole number of seconds in range', () => {
    for (const value of [0, -3, 1.5, 3601, 'soon', '', true]) {
      const err = configError(() => validateConfig({ fetchTimeoutSeconds: value }))
      expect(err.message).toContain('whole number of seconds from 1 to 3600')
    }
  })

  it('keeps dhtAnnounce when it is a boolean and refuses anything else', () => {
    expect(validateConfig({ dhtAnnounce: true }).dhtAnnounce).toBe(true)
    expect(configError(() => validateConfig({ dhtAnnounce: 'yes' })).message).toContain('"dhtAnnounce" must be true or false')
  })

  it('lets a deployment change the scalar defaults', () => {
    const defaults = deploymentDefaults({ defaults: { fetchTimeoutSeconds: 10, dhtAnnounce: true } })
    expect(defaults.fetchTimeoutSeconds).toBe(10)
    expect(defaults.dhtAnnounce).toBe(true)
    expect(defaults.bootstrap).toEqual(PUBLIC_DEFAULTS.bootstrap)
  })
})

describe('validateEntry: ICE servers', () => {
  it('accepts STUN and TURN URLs as written', () => {
    for (const url of ['stun:stun.l.google.com:19302', 'turn:turn.example.org:3478', 'turns:turn.example.org:5349?transport=tcp']) {
      expect(validateEntry('iceServers', ` ${url} `)).toBe(url)
    }
  })

  it('refuses anything else, saying how to write one', () => {
    for (const bad of ['https://stun.example.org', 'stun.example.org:3478', 'stun:']) {
      expect(configError(() => validateEntry('iceServers', bad)).message).toContain('write it as stun:host:port or turn:host:port')
    }
  })
})
