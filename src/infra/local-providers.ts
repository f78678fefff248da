/**
 * A Helia router that answers provider lookups with this node itself when it
 * holds the block: what the infra node has (preloaded or fetched), delegated
 * routing clients are told to get from it.
 */
import type { Provider, Routing } from '@helia/interface'
import type { Libp2p } from '@libp2p/interface'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'

export const LOCAL_PROVIDERS_ROUTER = 'pollen-infra-local-blocks'

export function localProviders (libp2p: Libp2p, blockstore: Blockstore): Partial<Routing> & { name: string } {
  return {
    name: LOCAL_PROVIDERS_ROUTER,
    async * findProviders (cid: CID): AsyncGenerator<Provider> {
      if (!(await blockstore.has(cid))) return
      yield {
        id: libp2p.peerId.toCID(),
        multiaddrs: libp2p.getMultiaddrs(),
        router: LOCAL_PROVIDERS_ROUTER,
        fallback: false
      }
    }
  }
}
