/**
 * libp2p over WebSockets sends whole chunks, not pieces of them, as messages.
 * As published (@libp2p/websockets 10.1.21) every piece of what the encrypter
 * hands down went out as its own WebSocket message, and noise hands each sealed
 * chunk down as two pieces: a 2-byte length, then up to 64 KiB of ciphertext.
 * Half the messages were 2 bytes long, and a message costs a browser an IPC
 * hop and an event whatever its size. patches/@libp2p+websockets+10.1.21.patch,
 * docs/upstream/libp2p-websockets-messages.md.
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { webSockets } from '@libp2p/websockets'
import { createLibp2p, type Libp2p } from 'libp2p'
import { afterEach, expect, it } from 'vitest'
import { blockBytes } from './helpers/bitswap-peers.ts'

const SINK = '/pollen-test/sink/1.0.0'
const nodes: Libp2p[] = []
// The dialer's socket is the platform's WebSocket, as in a browser.
const send = globalThis.WebSocket.prototype.send
afterEach(async () => {
  globalThis.WebSocket.prototype.send = send
  await Promise.all(nodes.splice(0).map(async node => { await node.stop() }))
})

async function start (listen: string[]): Promise<Libp2p> {
  const node = await createLibp2p({
    addresses: { listen },
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: async () => false }
  })
  nodes.push(node)
  return node
}

it('sends 8 MiB over a stream in messages of 64 KiB and more, none of 2 bytes', async () => {
  const listener = await start(['/ip4/127.0.0.1/tcp/0/ws'])
  const dialer = await start([])
  let received = 0
  const allReceived = new Promise<void>(resolve => {
    void listener.handle(SINK, async stream => {
      for await (const chunk of stream) {
        received += chunk.byteLength
        if (received === 8 * 1024 * 1024) resolve()
      }
    })
  })
  const stream = await dialer.dialProtocol(listener.getMultiaddrs(), SINK)
  // From here on, count what the dialer's WebSocket sends (the handshake is done).
  const messages: number[] = []
  globalThis.WebSocket.prototype.send = function (this: WebSocket, data: ArrayBufferLike | ArrayBufferView) {
    messages.push(data.byteLength)
    send.call(this, data)
  }
  const bytes = blockBytes(50, 8 * 1024 * 1024)
  for (let offset = 0; offset < bytes.length; offset += 1024 * 1024) {
    if (!stream.send(bytes.subarray(offset, offset + 1024 * 1024))) await stream.onDrain()
  }
  await allReceived
  const sent = messages.reduce((sum, size) => sum + size, 0)
  expect(sent).toBeGreaterThan(8 * 1024 * 1024)
  expect(messages.filter(size => size <= 2)).toEqual([])
  expect(sent / messages.length).toBeGreaterThanOrEqual(64 * 1024)
})
