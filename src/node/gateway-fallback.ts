/**
 * Trustless gateways as a last resort. Helia races every block broker for
 * every block, so a gateway would usually beat a relayed browser peer and the
 * sharer would never serve what it shared. Helia has no option to order its
 * brokers, so this wraps its trustless gateway broker: a gateway is asked
 * only when no peer has sent the block within a grace period.
 */
import { trustlessGatewayBlockBroker, type TrustlessGatewayBlockBrokerComponents } from '@helia/trustless-gateway-client'
import { sleep } from '../lib/sleep.ts'
import type { BlockBroker, BlockRetrievalOptions } from '@helia/interface'
import type { CID } from 'multiformats/cid'

/** How long peers get to send a block before gateways are asked too. */
export const DEFAULT_GATEWAY_GRACE_MS = 1500

export interface GatewayFallbackInit {
  gateways: string[]
  graceMs?: number
}

/** True when a configured gateway is plain http or on this machine's network (self-hosted, tests). */
export function isLocalOrInsecure (gateway: string): { insecure: boolean, local: boolean } {
  const url = new URL(gateway)
  const host = url.hostname.replace(/^\[|\]$/g, '')
  const local = host === 'localhost' || host.endsWith('.localhost') || host === '::1' ||
    /^(127\.|10\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|169\.254\.)/.test(host) || /^f[cd]/i.test(host)
  return { insecure: url.protocol === 'http:', local }
}


export function gatewayFallback (init: GatewayFallbackInit): (components: TrustlessGatewayBlockBrokerComponents) => BlockBroker {
  const graceMs = init.graceMs ?? DEFAULT_GATEWAY_GRACE_MS
  // Helia refuses http and private gateways by default; a gateway the user
  // configured by hand is trusted to be where it is.
  const kinds = init.gateways.map(isLocalOrInsecure)
  const create = trustlessGatewayBlockBroker({
    allowInsecure: kinds.some(k => k.insecure),
    allowLocal: kinds.some(k => k.local)
  })
  return components => {
    const inner = create(components)
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
