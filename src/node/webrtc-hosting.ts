/// <reference lib="webworker" />
/**
 * Which page hosts the node's WebRTC (DESIGN.md §4), and the WebRTC globals
 * the SharedWorker lacks. Pages elect a host with a Web Lock
 * (src/ui/webrtc-hosting.ts); the host's `webrtc.host` call stays open as
 * long as it lives, and when that page goes away the call is aborted, its
 * connections fail (libp2p closes them) and the next page's call takes over.
 *
 * The globals must exist before @libp2p/webrtc is evaluated (it reads
 * globalThis.RTCPeerConnection once, at import): worker.ts imports this first.
 */
import { ShimIceCandidate, ShimPeerConnection, ShimSessionDescription, WebRtcLink, type ShimCertificate } from './webrtc-shim.ts'
import type { CertificateAlgorithm } from '../lib/webrtc-protocol.ts'

let current: WebRtcLink | undefined
let currentSince: number | undefined
const changes = new Set<(hosted: boolean) => void>()
const losses = new Set<() => void>()

/** Tells the listeners, while the host's connections are still open, that they are about to fail. */
function losing (link: WebRtcLink, reason?: string): void {
  if (!link.attached) return
  for (const lost of losses) lost()
  link.detach(reason)
}

/** Serves one host page until `signal` aborts (the page went away). */
export async function hostWebRtc (port: MessagePort, signal: AbortSignal): Promise<void> {
  if (current != null) losing(current, 'another page took over hosting WebRTC')
  const link = new WebRtcLink(port)
  current = link
  currentSince = Date.now()
  for (const change of changes) change(true)
  await new Promise<void>(resolve => {
    if (signal.aborted) resolve()
    else signal.addEventListener('abort', () => { resolve() }, { once: true })
  })
  losing(link)
  if (current === link) {
    current = undefined
    currentSince = undefined
    for (const change of changes) change(false)
  }
}

/** Milliseconds since the epoch when the current host page took over; undefined with no host. */
export function webRtcHostSince (): number | undefined {
  return current?.attached === true ? currentSince : undefined
}

export function onWebRtcHostChange (listener: (hosted: boolean) => void): () => void {
  changes.add(listener)
  return () => changes.delete(listener)
}

/**
 * Called just before the host page's peer connections fail (it closed, or
 * another page took over), while libp2p still lists them as open.
 */
export function onWebRtcHostLost (listener: () => void): () => void {
  losses.add(listener)
  return () => losses.delete(listener)
}

function currentLink (): WebRtcLink {
  if (current == null) throw new DOMException('No open page hosts WebRTC for the node', 'InvalidStateError')
  return current
}

class HostedPeerConnection extends ShimPeerConnection {
  constructor (config?: ConstructorParameters<typeof ShimPeerConnection>[1]) {
    super(currentLink(), config)
  }

  /** WebRTC-direct dials generate one per connection (@libp2p/webrtc). */
  static async generateCertificate (algorithm: CertificateAlgorithm): Promise<ShimCertificate> {
    return await currentLink().generateCertificate(algorithm)
  }
}

const scope = globalThis as Record<string, unknown>
scope.RTCPeerConnection ??= HostedPeerConnection
scope.RTCSessionDescription ??= ShimSessionDescription
scope.RTCIceCandidate ??= ShimIceCandidate
