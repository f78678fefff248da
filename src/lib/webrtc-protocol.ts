/**
 * Every message between the node's WebRTC shim (src/node/webrtc-shim.ts, in
 * the SharedWorker, where RTCPeerConnection does not exist) and the page that
 * hosts the real peer connections (src/ui/webrtc-host.ts), typed once for
 * both ends. DESIGN.md §4. Ids are chosen by the shim; the host only answers.
 */

export type PeerConnectionState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed'
export type DataChannelState = 'connecting' | 'open' | 'closing' | 'closed'

export interface SessionDescription { type: 'offer' | 'answer' | 'pranswer' | 'rollback', sdp: string }

export interface IceCandidate {
  candidate: string
  sdpMid: string | null
  sdpMLineIndex: number | null
  usernameFragment: string | null
}

export interface DataChannelOptions {
  ordered?: boolean
  maxRetransmits?: number
  maxPacketLifeTime?: number
  protocol?: string
  negotiated?: boolean
  id?: number
}

/**
 * A certificate the host generated and keeps (RTCCertificate cannot enter a
 * worker); a peer connection created with its `id` uses it.
 */
export interface CertificateHandle { id: number, expires: number, fingerprints: Array<{ algorithm?: string, value?: string }> }

/** The key algorithm of RTCPeerConnection.generateCertificate, e.g. { name: 'ECDSA', namedCurve: 'P-256' }. */
export type CertificateAlgorithm = string | ({ name: string } & Record<string, unknown>)

/** What the shim asks of the host. `call` ones are answered by `reply` with the same `call` number. */
export type ShimToHost =
  | { type: 'pc:create', pc: number, config: { iceServers?: Array<{ urls: string | string[], username?: string, credential?: string }>, certificates?: number[] } }
  | { type: 'cert:generate', call: number, algorithm: CertificateAlgorithm }
  | { type: 'pc:createOffer', pc: number, call: number }
  | { type: 'pc:createAnswer', pc: number, call: number }
  | { type: 'pc:setLocalDescription', pc: number, call: number, description?: SessionDescription }
  | { type: 'pc:setRemoteDescription', pc: number, call: number, description: SessionDescription }
  | { type: 'pc:addIceCandidate', pc: number, call: number, candidate: IceCandidate | null }
  | { type: 'pc:close', pc: number }
  | { type: 'dc:create', pc: number, dc: number, label: string, options: DataChannelOptions }
  /** Messages to send on the channel, in order: every send the shim made in one task. */
  | { type: 'dc:send', dc: number, data: Array<ArrayBuffer | string> }
  | { type: 'dc:threshold', dc: number, threshold: number }
  | { type: 'dc:close', dc: number }

/** What the host tells the shim. */
export type HostToShim =
  | { type: 'reply', call: number, result?: SessionDescription | CertificateHandle, error?: { name: string, message: string } }
  | { type: 'pc:state', pc: number, connectionState: PeerConnectionState, localDescription: SessionDescription | null, remoteDescription: SessionDescription | null }
  | { type: 'pc:icecandidate', pc: number, candidate: IceCandidate | null }
  | { type: 'pc:icecandidateerror', pc: number, errorText: string }
  /** A channel the remote side opened; the host numbers it with the shim's `dc` space negated. */
  | { type: 'pc:datachannel', pc: number, dc: number, label: string, protocol: string, id: number | null, readyState: DataChannelState }
  | { type: 'dc:state', dc: number, readyState: DataChannelState, id: number | null }
  | { type: 'dc:message', dc: number, data: ArrayBuffer | string }
  /**
   * How much the host's real channel still holds, and how many bytes of the
   * shim's sends it has handed to it so far: the shim's bufferedAmount is
   * what it sent minus `handed`, plus `bufferedAmount`.
   */
  | { type: 'dc:buffered', dc: number, bufferedAmount: number, handed: number }
  | { type: 'dc:error', dc: number, message: string }
