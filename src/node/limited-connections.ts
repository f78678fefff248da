/**
 * Streams over relayed connections without redialling. libp2p's connection
 * manager never returns an existing *limited* (relayed) connection when asked
 * for a peer, even to a caller that accepts limited connections: it dials
 * again, through the relay, for every stream. Between two browsers, where the
 * relayed connection is the only one there is, that made each bitswap message
 * a new circuit (and most of them failed while opening). Here a caller that
 * accepts limited connections gets a stream on the one already open.
 */
import { isPeerId, type Libp2p, type PeerId } from '@libp2p/interface'

export function reuseLimitedConnections (libp2p: Libp2p): void {
  const dialProtocol = libp2p.dialProtocol.bind(libp2p)
  libp2p.dialProtocol = async (peer, protocols, options = {}) => {
    if (options.runOnLimitedConnection === true && isPeerId(peer)) {
      const open = libp2p.getConnections(peer as PeerId).filter(conn => conn.status === 'open')
      const limited = open.find(conn => conn.limits != null)
      if (limited != null && open.every(conn => conn.limits != null)) {
        return await limited.newStream(protocols, options)
      }
    }
    return await dialProtocol(peer, protocols, options)
  }
}
