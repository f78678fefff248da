/**
 * Announcing a root to the DHT (client mode). A provider record says how to
 * reach this node: DHT servers drop one that carries no address, and a
 * browser has addresses only once a relay reserved it a slot (just after the
 * network starts, it has none). kad-dht sends the record as it is and reports
 * success even when nobody took it, so the announce waits for an address
 * first and fails when no DHT server was sent the record.
 */
import { AnnounceFailedError } from '../lib/errors.ts'
import type { KadDHT } from '@libp2p/kad-dht'
import type { Libp2p } from '@libp2p/interface'
import type { CID } from 'multiformats/cid'

/** Resolves once this node has an address others can dial (a relay reservation in a browser). */
async function dialableAddress (libp2p: Libp2p, signal: AbortSignal): Promise<void> {
  if (libp2p.getMultiaddrs().length > 0) return
  await new Promise<void>((resolve, reject) => {
    const done = (): void => {
      libp2p.removeEventListener('self:peer:update', check)
      signal.removeEventListener('abort', aborted)
    }
    const check = (): void => {
      if (libp2p.getMultiaddrs().length === 0) return
      done()
      resolve()
    }
    const aborted = (): void => {
      done()
      reject(new AnnounceFailedError('This node got no address others can reach (no relay reserved it a slot), so there was nothing to announce'))
    }
    libp2p.addEventListener('self:peer:update', check)
    signal.addEventListener('abort', aborted)
  })
}

/** Sends the provider record for `cid` to the DHT servers closest to it; throws when none took it. */
export async function announceToDht (libp2p: Libp2p, dht: KadDHT, cid: CID, signal: AbortSignal): Promise<void> {
  await dialableAddress(libp2p, signal)
  let sent = 0
  for await (const event of dht.provide(cid, { signal })) {
    if (event.name === 'PEER_RESPONSE' && event.messageName === 'ADD_PROVIDER') sent++
  }
  if (sent === 0) throw new AnnounceFailedError('No DHT server could be sent the record: this node knows none yet (connect to a bootstrap peer that runs the DHT)')
}
