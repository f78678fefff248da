/**
 * A peer that lies: it claims every block and, asked for one over bitswap,
 * sends random bytes instead. Run under Node.js 22 by the tests; prints
 * {"event":"ready",peerId,multiaddrs} and one {"event":"sent-wrong-block",cid}
 * line per lie.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { webSockets } from '@libp2p/websockets'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { createHelia } from 'helia'
import type { CID } from 'multiformats/cid'

class LyingBlockstore extends MemoryBlockstore {
  async has (): Promise<boolean> {
    return true
  }

  async * get (cid: CID): AsyncGenerator<Uint8Array> {
    console.log(JSON.stringify({ event: 'sent-wrong-block', cid: cid.toString() }))
    yield crypto.getRandomValues(new Uint8Array(1024))
  }
}

const helia = await createHelia({
  blockstore: new LyingBlockstore(),
  http: { delegatedRouters: [], recursiveGateways: [] },
  libp2p: {
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0/ws'] },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [],
    services: { identify: identify() }
  }
})
await helia.start()
console.log(JSON.stringify({ event: 'ready', peerId: helia.libp2p.peerId.toString(), multiaddrs: helia.libp2p.getMultiaddrs().map(String) }))
process.on('SIGTERM', () => { void helia.stop().then(() => process.exit(0)) })
