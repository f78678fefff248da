/**
 * Provider records name HTTP gateways by multiaddr. With private addresses
 * off, @helia/trustless-gateway-client refuses loopback and LAN IP addresses
 * but takes every DNS name as it is, whatever it resolves to: a provider
 * record naming `/dns4/router.lan/tcp/80/http` would make any page the user
 * visits send requests into their network. This routing wrapper resolves such
 * names (through the node's own resolvers) and drops every HTTP address whose
 * name resolves to a private address, or does not resolve at all.
 */
import { isPrivateIp } from '@libp2p/utils'
import { RecordType, type DNS } from '@multiformats/dns'
import type { Provider, Routing } from '@helia/interface'
import type { AbortOptions } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

const DNS_PROTOCOLS = new Set(['dns', 'dns4', 'dns6'])
const HTTP_PROTOCOLS = new Set(['http', 'https'])

/** The DNS name an HTTP(S) multiaddr reaches its gateway by; undefined for an IP address or another transport. */
function httpDnsName (addr: Multiaddr): string | undefined {
  const components = addr.getComponents()
  if (!components.some(c => HTTP_PROTOCOLS.has(c.name))) return undefined
  return components.find(c => DNS_PROTOCOLS.has(c.name))?.value
}

/** True when `name` resolves to a private address or to nothing. */
async function resolvesPrivately (dns: DNS, name: string, options: AbortOptions): Promise<boolean> {
  try {
    const answer = await dns.query(name, { types: [RecordType.A, RecordType.AAAA], signal: options.signal })
    const addresses = answer.Answer.filter(a => a.type === RecordType.A || a.type === RecordType.AAAA).map(a => a.data)
    return addresses.length === 0 || addresses.some(address => isPrivateIp(address) !== false)
  } catch {
    return true
  }
}

/** `routing` whose providers carry no HTTP address that leads into a private network. */
export function withoutPrivateHttpProviders (routing: Routing, dns: DNS): Routing {
  const publicOnly = async (provider: Provider, options: AbortOptions): Promise<Provider> => {
    const kept: Multiaddr[] = []
    for (const addr of provider.multiaddrs) {
      const name = httpDnsName(addr)
      if (name == null || !await resolvesPrivately(dns, name, options)) kept.push(addr)
    }
    return { ...provider, multiaddrs: kept }
  }
  return {
    provide: async (cid, options) => { await routing.provide(cid, options) },
    cancelReprovide: async (key, options) => { await routing.cancelReprovide(key, options) },
    put: async (key, value, options) => { await routing.put(key, value, options) },
    get: async (key, options) => await routing.get(key, options),
    findPeer: async (peerId, options) => await routing.findPeer(peerId, options),
    getClosestPeers: (key, options) => routing.getClosestPeers(key, options),
    findProviders: async function * (cid, options = {}) {
      for await (const provider of routing.findProviders(cid, options)) yield await publicOnly(provider, options)
    }
  }
}
