/**
 * The blocks this node's bitswap sends to each peer and receives, for the
 * Sharing view (serving.ts). @helia/bitswap keeps no record of what it sent
 * to whom (its stats count received blocks only), and Helia keeps its block
 * brokers to itself, so this reaches its network and observes it: each
 * message, once written, with the blocks it carried (keyed by multihash, as
 * bitswap keys them), and each message received. Nothing is changed in what
 * bitswap does. If a release reshapes these parts, the view stays empty and
 * the node works as before (test/unit/serving.test.ts fails first).
 */
import type { PeerId } from '@libp2p/interface'
import type { ServedBlock } from './serving.ts'

interface BitswapNetwork {
  sendMessage: (peerId: PeerId, message: { blocks?: Map<string, { data: Uint8Array }> }, options?: unknown) => Promise<void>
  addEventListener: (type: 'bitswap:message', listener: (event: CustomEvent<{ message: { blocks?: Array<{ data: Uint8Array }> } }>) => void) => void
}

export interface BitswapTraffic {
  sent: (peer: PeerId, blocks: ServedBlock[]) => void
  received: (bytes: number) => void
}

/** @returns whether bitswap was found and is observed */
export function watchBitswapTraffic (helia: unknown, traffic: BitswapTraffic): boolean {
  const brokers = (helia as { blockBrokers?: Array<{ name?: string, bitswap?: { network?: BitswapNetwork } }> }).blockBrokers
  const network = brokers?.find(broker => broker.name === 'bitswap')?.bitswap?.network
  if (network == null || typeof network.sendMessage !== 'function') return false
  const send = network.sendMessage.bind(network)
  network.sendMessage = async (peerId, message, options) => {
    await send(peerId, message, options)
    const blocks = [...(message.blocks ?? new Map()).entries()].map(([key, block]) => ({ key, bytes: block.data }))
    if (blocks.length > 0) traffic.sent(peerId, blocks)
  }
  network.addEventListener('bitswap:message', event => {
    const bytes = (event.detail.message.blocks ?? []).reduce((sum, block) => sum + block.data.byteLength, 0)
    if (bytes > 0) traffic.received(bytes)
  })
  return true
}
