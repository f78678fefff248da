/**
 * A Helia router that answers peer lookups (GET /routing/v1/peers/<id>) for
 * the peers connected to this node, with the addresses they announced to it:
 * a browser holding a slot on this node's relay announces its relayed (and
 * relayed WebRTC) addresses, and a share link that names only its peer ID is
 * found through them. The DHT this node runs knows only peers in its routing
 * table, which browsers in client mode never join.
 */
import { NotFoundError, isPeerId, type Libp2p, type PeerId } from '@libp2p/interface'
import { peerIdFromCID } from '@libp2p/peer-id'
import type { Peer, Routing } from '@helia/interface'
import type { CID } from 'multiformats/cid'

export const LOCAL_PEERS_ROUTER = 'pollen-infra-connected-peers'

export function localPeers (libp2p: Pick<Libp2p, 'getConnections' | 'peerStore'>): Partial<Routing> & { name: string } {
  return {
    name: LOCAL_PEERS_ROUTER,
    // Helia's interface passes a CID; the routing API server passes the PeerId it parsed.
    async findPeer (id: CID | PeerId): Promise<Peer> {
      const peerId = isPeerId(id) ? id : peerIdFromCID(id)
      if (libp2p.getConnections(peerId).length === 0) throw new NotFoundError('not connected to this node')
      const { addresses } = await libp2p.peerStore.get(peerId)
      if (addresses.length === 0) throw new NotFoundError('connected, but it announced no address')
      return { id: peerId.toCID(), multiaddrs: addresses.map(address => address.multiaddr), router: LOCAL_PEERS_ROUTER }
    }
  }
}
