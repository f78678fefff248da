/**
 * A bitswap session names the peer each block came from, as a retrieval
 * outside a session does ('helia:block-broker:receive-block'). @helia/bitswap
 * 4.0.19 as published names none for a session's blocks, so a fetch could only
 * say they came from "one of" the session's peers; fixed by
 * patches/@helia+bitswap+4.0.19.patch (docs/upstream/helia-bitswap.md §11).
 */
import { afterEach, expect, it } from 'vitest'
import { blockBytes, connect, startBitswapPeer, type BitswapPeer } from './helpers/bitswap-peers.ts'
import type { Helia } from '@helia/interface'
import type { CID } from 'multiformats/cid'

const peers: BitswapPeer[] = []
afterEach(async () => {
  await Promise.all(peers.splice(0).map(async p => { await p.stop() }))
})

interface ReceiveBlock { type: string, detail: { broker: string, provider: CID, cid: CID } }

it('a bitswap session names the sender of each block it receives', async () => {
  const sender = await startBitswapPeer()
  const bystander = await startBitswapPeer()
  const receiver = await startBitswapPeer()
  peers.push(sender, bystander, receiver)
  const cid = await sender.add(blockBytes(11))
  await connect(receiver, sender)
  await connect(receiver, bystander)

  const helia = receiver.helia as Helia
  const session = helia.blockstore.createSession(cid, { providers: [sender.libp2p.getMultiaddrs(), bystander.libp2p.getMultiaddrs()], signal: AbortSignal.timeout(30_000) })
  const received: ReceiveBlock[] = []
  const chunks: Uint8Array[] = []
  for await (const chunk of session.get(cid, {
    signal: AbortSignal.timeout(30_000),
    onProgress: (event: { type: string }) => { if (event.type === 'helia:block-broker:receive-block') received.push(event as ReceiveBlock) }
  })) chunks.push(chunk)

  expect(Buffer.concat(chunks).equals(blockBytes(11))).toBe(true)
  expect(received.map(event => [event.detail.broker, event.detail.provider.toString(), event.detail.cid.toString()]))
    .toEqual([['bitswap', sender.libp2p.peerId.toCID().toString(), cid.toString()]])
}, 60_000)
