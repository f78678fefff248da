/**
 * Asks preload nodes to fetch what was just added (Kubo RPC `refs -r`): the
 * node pulls the blocks from us over bitswap, so the content stays reachable
 * after this tab is gone. The answer streams one JSON line per reference and
 * ends when the whole DAG is there; a line with `Err` means it failed.
 *
 * Bitswap asks the peers it is connected to, so the node first makes sure
 * it is connected to the preload node: Kubo RPC `id` names its peer ID and
 * addresses, and those a browser can dial are dialled.
 */
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { dialableAddrs } from '../lib/share-link.ts'
import { readChunks } from '../lib/port-stream.ts'
import type { Libp2p } from '@libp2p/interface'

export const DEFAULT_PRELOAD_TIMEOUT_MS = 5 * 60 * 1000
export const DEFAULT_PRELOAD_CONNECT_TIMEOUT_MS = 15_000

/** Connects to the preload node behind a Kubo RPC endpoint, unless already connected. */
export async function connectToPreloadNode (libp2p: Libp2p, node: string, signal?: AbortSignal): Promise<void> {
  const timeout = AbortSignal.any([signal ?? new AbortController().signal, AbortSignal.timeout(DEFAULT_PRELOAD_CONNECT_TIMEOUT_MS)])
  const response = await fetch(new URL('/api/v0/id', node), { method: 'POST', signal: timeout })
  if (!response.ok) throw new Error(`${node} answered ${response.status} to id`)
  const { ID, Addresses } = await response.json() as { ID: string, Addresses?: string[] | null }
  const peer = peerIdFromString(ID)
  if (libp2p.getConnections(peer).length > 0) return
  const addrs: Multiaddr[] = dialableAddrs(Addresses ?? [], ID).map(a => multiaddr(a))
  if (addrs.length === 0) throw new Error(`${node} lists no address a browser can dial (WebSocket, WebTransport or WebRTC-direct): ${(Addresses ?? []).join(' ')}`)
  await libp2p.dial(addrs, { signal: timeout })
}

export async function preload (node: string, cid: string, signal?: AbortSignal): Promise<void> {
  const url = new URL('/api/v0/refs', node)
  url.searchParams.set('r', 'true')
  url.searchParams.set('arg', cid)
  const response = await fetch(url, { method: 'POST', signal: AbortSignal.any([signal ?? new AbortController().signal, AbortSignal.timeout(DEFAULT_PRELOAD_TIMEOUT_MS)]) })
  if (!response.ok) throw new Error(`${node} answered ${response.status} ${await response.text().catch(() => '')}`.trim())
  if (response.body == null) return
  let buffered = ''
  const decoder = new TextDecoder()
  for await (const chunk of readChunks(response.body)) {
    buffered += decoder.decode(chunk, { stream: true })
    const lines = buffered.split('\n')
    buffered = lines.pop() ?? ''
    for (const line of lines) {
      if (line.trim() === '') continue
      const ref = JSON.parse(line) as { Ref?: string, Err?: string }
      if (ref.Err != null && ref.Err !== '') throw new Error(ref.Err)
    }
  }
}
