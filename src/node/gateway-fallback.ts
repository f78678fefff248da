/**
 * Trustless gateways as a last resort. Helia races every block broker for
 * every block, so a gateway would usually beat a relayed browser peer and the
 * sharer would never serve what it shared. Helia has no option to order its
 * brokers, so this wraps its trustless gateway broker: a gateway is asked
 * only when no peer has sent the block within a grace period.
 */
import { trustlessGatewayBlockBroker, type TrustlessGatewayBlockBrokerComponents } from '@helia/trustless-gateway-client'
import { sleep } from '../lib/sleep.ts'
import { withoutPrivateHttpProviders } from './private-http-providers.ts'
import type { DNS } from '@multiformats/dns'
import type { BlockBroker, BlockRetrievalOptions } from '@helia/interface'
import type { CID } from 'multiformats/cid'

/** How long peers get to send a block before gateways are asked too. */
export const DEFAULT_GATEWAY_GRACE_MS = 1500

export interface GatewayFallbackInit {
  gateways: string[]
  /** Gateways on loopback and private networks (the node's dialPrivateAddresses setting). */
  allowPrivate: boolean
  graceMs?: number
}


export function gatewayFallback (init: GatewayFallbackInit): (components: TrustlessGatewayBlockBrokerComponents & { dns: DNS }) => BlockBroker {
  const graceMs = init.graceMs ?? DEFAULT_GATEWAY_GRACE_MS
  // Helia refuses http and private gateways by default. Private ones only
  // where the setting allows them; plain http where the user configured it.
  const create = trustlessGatewayBlockBroker({
    allowInsecure: init.allowPrivate || init.gateways.some(gateway => gateway.startsWith('http:')),
    allowLocal: init.allowPrivate
  })
  return (components: TrustlessGatewayBlockBrokerComponents & { dns: DNS }) => {
    const inner = create(init.allowPrivate ? components : { ...components, routing: withoutPrivateHttpProviders(components.routing, components.dns) })
    const later = async (cid: CID, options: BlockRetrievalOptions = {}): Promise<Uint8Array> => {
      await sleep(graceMs, options.signal)
      if (inner.retrieve == null) throw new Error('the trustless gateway broker cannot retrieve blocks')
      return await inner.retrieve(cid, options)
    }
    return {
      name: inner.name,
      retrieve: later,
      createSession: options => {
        const session = inner.createSession!(options)
        return {
          name: session.name,
          addPeer: async (peer, addOptions) => { await session.addPeer(peer, addOptions) },
          retrieve: async (cid, retrieveOptions = {}) => {
            await sleep(graceMs, retrieveOptions.signal)
            return await session.retrieve!(cid, retrieveOptions)
          }
        }
      }
    }
  }
}
