/**
 * Loaded into a test page: the node's WebRTC shim wired to a host in the
 * same page through a MessageChannel, so a test drives the shim exactly as
 * @libp2p/webrtc will, with real peer connections behind it.
 */
import { ShimPeerConnection, WebRtcLink, type ShimDataChannel } from '../../../src/node/webrtc-shim.ts'
import { WebRtcHost } from '../../../src/ui/webrtc-host.ts'

const CHUNK = 64 * 1024

let link: WebRtcLink
let host: WebRtcHost
let pc: ShimPeerConnection
let channel: ShimDataChannel | undefined
const candidates: unknown[] = []
const channelReady: Promise<ShimDataChannel> = new Promise(resolve => {
  (globalThis as any).__resolveChannel = resolve
})
const states: string[] = []
/** Messages the shim posted to the host carrying bytes to send ('dc:send'). */
let sendPosts = 0

function hex (buffer: ArrayBuffer): string {
  return [...new Uint8Array(buffer)].map(b => b.toString(16).padStart(2, '0')).join('')
}

function pattern (size: number): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(size)
  let x = 2463534242
  for (let i = 0; i < size; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; bytes[i] = x & 0xff }
  return bytes
}

async function waitOpen (c: ShimDataChannel): Promise<void> {
  if (c.readyState === 'open') return
  await new Promise(resolve => { c.addEventListener('open', resolve, { once: true }) })
}

const harness = {
  start (offerer: boolean): void {
    const channelPair = new MessageChannel()
    host = new WebRtcHost(channelPair.port1)
    const post = channelPair.port2.postMessage.bind(channelPair.port2) as (message: { type: string }, transfer: Transferable[]) => void
    channelPair.port2.postMessage = ((message: { type: string }, transfer: Transferable[]) => {
      if (message.type === 'dc:send') sendPosts++
      post(message, transfer)
    }) as typeof channelPair.port2.postMessage
    link = new WebRtcLink(channelPair.port2)
    pc = new ShimPeerConnection(link, { iceServers: [] })
    pc.onicecandidate = (event: { candidate: { toJSON: () => unknown } | null }) => { if (event.candidate != null) candidates.push(event.candidate.toJSON()) }
    pc.addEventListener('connectionstatechange', () => { states.push(pc.connectionState) })
    if (offerer) {
      channel = pc.createDataChannel('bytes')
      ;(globalThis as any).__resolveChannel(channel)
    } else {
      pc.ondatachannel = (event: { channel: ShimDataChannel }) => { channel = event.channel; (globalThis as any).__resolveChannel(channel) }
    }
  },
  async offer (): Promise<string> {
    const offer = await pc.createOffer()
    await pc.setLocalDescription(offer)
    return offer.sdp
  },
  async answer (sdp: string): Promise<string> {
    await pc.setRemoteDescription({ type: 'offer', sdp })
    const answer = await pc.createAnswer()
    await pc.setLocalDescription(answer)
    return answer.sdp
  },
  async accept (sdp: string): Promise<void> {
    await pc.setRemoteDescription({ type: 'answer', sdp })
  },
  candidates: () => candidates.splice(0),
  async addCandidates (list: any[]): Promise<void> {
    for (const candidate of list) await pc.addIceCandidate(candidate)
  },
  async opened (): Promise<{ state: string, label: string, id: number | null, local: string | undefined }> {
    const c = await channelReady
    await waitOpen(c)
    // The channel may open before the connection reports itself connected, and
    // the state may pass through 'connecting' first: wait for the state itself, not one change.
    await new Promise<void>(resolve => {
      const check = (): void => {
        if (pc.connectionState !== 'connected' && pc.connectionState !== 'failed') return
        pc.removeEventListener('connectionstatechange', check)
        resolve()
      }
      pc.addEventListener('connectionstatechange', check)
      check()
    })
    return { state: pc.connectionState, label: c.label, id: c.id, local: pc.localDescription?.type }
  },
  /** Sends `size` bytes keeping bufferedAmount under 1 MiB; returns their SHA-256, the most ever buffered and how often the low mark fired. */
  async send (size: number): Promise<{ sha256: string, mostBuffered: number, lowEvents: number }> {
    const c = await channelReady
    await waitOpen(c)
    const bytes = pattern(size)
    c.bufferedAmountLowThreshold = 256 * 1024
    let lowEvents = 0
    c.onbufferedamountlow = () => { lowEvents++ }
    let mostBuffered = 0
    for (let offset = 0; offset < size; offset += CHUNK) {
      if (c.bufferedAmount > 1024 * 1024) {
        await new Promise(resolve => { c.addEventListener('bufferedamountlow', resolve, { once: true }) })
      }
      // A view into a bigger buffer, as libp2p hands over: only these bytes may leave.
      c.send(bytes.subarray(offset, Math.min(size, offset + CHUNK)))
      mostBuffered = Math.max(mostBuffered, c.bufferedAmount)
    }
    return { sha256: hex(await crypto.subtle.digest('SHA-256', bytes)), mostBuffered, lowEvents }
  },
  async receive (size: number): Promise<string> {
    const c = await channelReady
    const chunks: Uint8Array[] = []
    let received = 0
    await new Promise<void>(resolve => {
      c.onmessage = (event: MessageEvent<ArrayBuffer>) => {
        chunks.push(new Uint8Array(event.data))
        received += event.data.byteLength
        if (received >= size) resolve()
      }
    })
    const all = new Uint8Array(received)
    let at = 0
    for (const chunk of chunks) { all.set(chunk, at); at += chunk.byteLength }
    return hex(await crypto.subtle.digest('SHA-256', all))
  },
  /**
   * Sends `count` messages of `size` bytes in one task, as @libp2p/webrtc
   * sends a write; returns how many posts to the host carried them.
   */
  async sendBurst (count: number, size: number): Promise<{ posts: number }> {
    const c = await channelReady
    await waitOpen(c)
    const before = sendPosts
    for (let i = 0; i < count; i++) c.send(pattern(size).map(byte => byte ^ i))
    await new Promise(resolve => setTimeout(resolve, 0))
    return { posts: sendPosts - before }
  },
  /** The next `count` messages: each one's size and first byte, in the order they came. */
  async receiveMessages (count: number): Promise<Array<[number, number]>> {
    const c = await channelReady
    const messages: Array<[number, number]> = []
    await new Promise<void>(resolve => {
      c.onmessage = (event: MessageEvent<ArrayBuffer>) => {
        messages.push([event.data.byteLength, new Uint8Array(event.data)[0]])
        if (messages.length === count) resolve()
      }
    })
    return messages
  },
  async closeChannel (): Promise<void> {
    const c = await channelReady
    c.close()
  },
  async channelClosed (): Promise<string> {
    const c = await channelReady
    if (c.readyState !== 'closed') await new Promise(resolve => { c.addEventListener('close', resolve, { once: true }) })
    return c.readyState
  },
  /** The host page goes away: the shim's connection must fail and its calls be refused. */
  async dropHost (): Promise<{ state: string, channel: string, callError: string }> {
    host.close()
    link.detach()
    let callError = ''
    try { await pc.createOffer() } catch (err) { callError = (err as Error).name }
    return { state: pc.connectionState, channel: channel?.readyState ?? 'none', callError }
  },
  states: () => [...states]
}

;(globalThis as any).webrtcHarness = harness
