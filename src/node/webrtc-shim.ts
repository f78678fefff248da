/// <reference lib="webworker" />
/**
 * RTCPeerConnection and RTCDataChannel for the SharedWorker, which has
 * neither (DESIGN.md §3): objects of the same shape whose work is done by
 * real ones in an open page (src/ui/webrtc-host.ts) over a MessagePort.
 * Only what @libp2p/webrtc uses is here. State a caller reads synchronously
 * (connectionState, descriptions, readyState, bufferedAmount) is mirrored
 * from the host's reports; bytes are copied once and then transferred.
 */
import type { CertificateAlgorithm, CertificateHandle, DataChannelOptions, DataChannelState, HostToShim, IceCandidate, PeerConnectionState, SessionDescription, ShimToHost } from '../lib/webrtc-protocol.ts'

export class ShimSessionDescription {
  readonly type: SessionDescription['type']
  readonly sdp: string
  constructor (init: { type: SessionDescription['type'], sdp?: string }) {
    this.type = init.type
    this.sdp = init.sdp ?? ''
  }

  toJSON (): SessionDescription {
    return { type: this.type, sdp: this.sdp }
  }
}

export class ShimIceCandidate {
  readonly candidate: string
  readonly sdpMid: string | null
  readonly sdpMLineIndex: number | null
  readonly usernameFragment: string | null
  constructor (init: Partial<IceCandidate> = {}) {
    this.candidate = init.candidate ?? ''
    this.sdpMid = init.sdpMid ?? null
    this.sdpMLineIndex = init.sdpMLineIndex ?? null
    this.usernameFragment = init.usernameFragment ?? null
  }

  toJSON (): IceCandidate {
    return { candidate: this.candidate, sdpMid: this.sdpMid, sdpMLineIndex: this.sdpMLineIndex, usernameFragment: this.usernameFragment }
  }
}

/** RTCCertificate's shape; the certificate itself stays in the host page. */
export class ShimCertificate {
  readonly expires: number
  constructor (readonly handle: CertificateHandle) {
    this.expires = handle.expires
  }

  getFingerprints (): CertificateHandle['fingerprints'] {
    return this.handle.fingerprints
  }
}

type Handler = ((event: any) => void) | null
type IceServer = NonNullable<Extract<ShimToHost, { type: 'pc:create' }>['config']['iceServers']>[number]

/** An EventTarget whose `on<type>` properties are called after the listeners, as on the real objects. */
class HandlerTarget extends EventTarget {
  protected readonly handlers: Record<string, Handler> = {}

  protected fire (event: Event): void {
    this.dispatchEvent(event)
    this.handlers[event.type]?.(event)
  }
}

function handlerProperty (target: typeof HandlerTarget.prototype, type: string): void {
  Object.defineProperty(target, `on${type}`, {
    get (this: { handlers: Record<string, Handler> }) { return this.handlers[type] ?? null },
    set (this: { handlers: Record<string, Handler> }, handler: Handler) { this.handlers[type] = handler }
  })
}

/** The shim's end of one host's port. */
export class WebRtcLink {
  private nextConnection = 1
  private nextChannel = 1
  private nextCall = 1
  private readonly calls = new Map<number, { resolve: (value: any) => void, reject: (err: Error) => void }>()
  /** Sends of this task, by channel, not yet posted: a task's sends cross the port as one message. */
  private readonly sends = new Map<number, Array<ArrayBuffer | string>>()
  readonly connections = new Map<number, ShimPeerConnection>()
  readonly channels = new Map<number, ShimDataChannel>()
  private gone?: string

  constructor (private readonly port: MessagePort) {
    port.onmessage = event => { this.receive(event.data as HostToShim) }
    port.start()
  }

  get attached (): boolean {
    return this.gone == null
  }

  post (message: ShimToHost, transfer: Transferable[] = []): void {
    this.postSends()
    if (this.gone == null) this.port.postMessage(message, transfer)
  }

  /**
   * Queues bytes for channel `dc`, posted at the end of this task with every
   * other send made in it. @libp2p/webrtc sends a write as many 16 KiB
   * messages in one go, and each post to the page is a message between
   * processes: one per task instead of one per message saves most of their cost.
   */
  queueSend (dc: number, data: ArrayBuffer | string): void {
    if (this.gone != null) return
    // The first send since the last post schedules the next one.
    if (this.sends.size === 0) queueMicrotask(() => { this.postSends() })
    let queued = this.sends.get(dc)
    if (queued == null) this.sends.set(dc, queued = [])
    queued.push(data)
  }

  /** Posts the queued sends, before any other message so the host sees everything in the order it was made. */
  private postSends (): void {
    if (this.sends.size === 0) return
    for (const [dc, data] of this.sends) {
      if (this.gone == null) this.port.postMessage({ type: 'dc:send', dc, data } satisfies ShimToHost, data.filter(item => typeof item !== 'string'))
    }
    this.sends.clear()
  }

  async call<T = SessionDescription | undefined> (message: { type: string } & Record<string, unknown>): Promise<T> {
    if (this.gone != null) throw new DOMException(this.gone, 'InvalidStateError')
    const call = this.nextCall++
    return await new Promise((resolve, reject) => {
      this.calls.set(call, { resolve, reject })
      this.post({ ...message, call } as unknown as ShimToHost)
    })
  }

  async generateCertificate (algorithm: CertificateAlgorithm): Promise<ShimCertificate> {
    return new ShimCertificate(await this.call<CertificateHandle>({ type: 'cert:generate', algorithm }))
  }

  connectionId (): number { return this.nextConnection++ }
  channelId (): number { return this.nextChannel++ }

  /** The host went away: every connection fails, every pending call is refused. */
  detach (reason = 'the page hosting WebRTC closed'): void {
    this.gone = reason
    this.sends.clear()
    for (const { reject } of this.calls.values()) reject(new DOMException(reason, 'InvalidStateError'))
    this.calls.clear()
    for (const pc of this.connections.values()) pc.hostGone()
    this.port.close()
  }

  private receive (message: HostToShim): void {
    switch (message.type) {
      case 'reply': {
        const pending = this.calls.get(message.call)
        this.calls.delete(message.call)
        if (message.error != null) pending?.reject(Object.assign(new Error(message.error.message), { name: message.error.name }))
        else pending?.resolve(message.result)
        break
      }
      case 'pc:state': this.connections.get(message.pc)?.hostState(message.connectionState, message.localDescription, message.remoteDescription); break
      case 'pc:icecandidate': this.connections.get(message.pc)?.hostCandidate(message.candidate); break
      case 'pc:icecandidateerror': this.connections.get(message.pc)?.hostCandidateError(message.errorText); break
      case 'pc:datachannel': this.connections.get(message.pc)?.hostDataChannel(message.dc, message.label, message.protocol, message.id, message.readyState); break
      case 'dc:state': this.channels.get(message.dc)?.hostState(message.readyState, message.id); break
      case 'dc:message': this.channels.get(message.dc)?.hostMessage(message.data); break
      case 'dc:buffered': this.channels.get(message.dc)?.hostBuffered(message.bufferedAmount, message.handed); break
      case 'dc:error': this.channels.get(message.dc)?.hostError(message.message); break
    }
  }
}

export class ShimDataChannel extends HandlerTarget {
  // Accessors defined on the prototype below; `declare` keeps them from being shadowed.
  declare onopen: Handler
  declare onmessage: Handler
  declare onclose: Handler
  declare onclosing: Handler
  declare onerror: Handler
  declare onbufferedamountlow: Handler
  readonly label: string
  readonly protocol: string
  readonly ordered: boolean
  id: number | null
  readyState: DataChannelState
  binaryType: BinaryType = 'arraybuffer'
  private threshold = 0
  private sent = 0
  private handed = 0
  private hostHolds = 0

  constructor (private readonly link: WebRtcLink, readonly dc: number, init: { label: string, protocol: string, id: number | null, readyState: DataChannelState, ordered?: boolean }) {
    super()
    this.label = init.label
    this.protocol = init.protocol
    this.id = init.id
    this.readyState = init.readyState
    this.ordered = init.ordered ?? true
    link.channels.set(dc, this)
  }

  /** Bytes given to send() that the remote side has not been sent yet, on either side of the port. */
  get bufferedAmount (): number {
    return this.sent - this.handed + this.hostHolds
  }

  get bufferedAmountLowThreshold (): number { return this.threshold }
  set bufferedAmountLowThreshold (value: number) {
    this.threshold = value
    this.link.post({ type: 'dc:threshold', dc: this.dc, threshold: value })
  }

  send (data: ArrayBuffer | ArrayBufferView | string): void {
    if (this.readyState !== 'open') throw new DOMException(`the data channel is ${this.readyState}`, 'InvalidStateError')
    if (typeof data === 'string') {
      this.sent += new TextEncoder().encode(data).byteLength
      this.link.queueSend(this.dc, data)
      return
    }
    // A copy of exactly these bytes, which can then be transferred: the
    // caller's buffer may be shared with other data and is not ours to detach.
    const view = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data)
    const copy = view.slice().buffer
    this.sent += copy.byteLength
    this.link.queueSend(this.dc, copy)
  }

  close (): void {
    if (this.readyState === 'closed' || this.readyState === 'closing') return
    this.readyState = 'closing'
    this.link.post({ type: 'dc:close', dc: this.dc })
  }

  hostState (readyState: DataChannelState, id: number | null): void {
    if (id != null) this.id = id
    const was = this.readyState
    if (readyState === was) return
    this.readyState = readyState
    if (readyState === 'open' && was !== 'open') this.fire(new Event('open'))
    if (readyState === 'closing' && was !== 'closing') this.fire(new Event('closing'))
    if (readyState === 'closed' && was !== 'closed') {
      this.link.channels.delete(this.dc)
      this.fire(new Event('close'))
    }
  }

  hostMessage (data: ArrayBuffer | string): void {
    this.fire(new MessageEvent('message', { data }))
  }

  hostBuffered (hostHolds: number, handed: number): void {
    const before = this.bufferedAmount
    this.hostHolds = hostHolds
    this.handed = handed
    if (before > this.threshold && this.bufferedAmount <= this.threshold) this.fire(new Event('bufferedamountlow'))
  }

  hostError (message: string): void {
    this.fire(Object.assign(new Event('error'), { error: new DOMException(message, 'OperationError') }))
  }
}
for (const type of ['open', 'message', 'close', 'closing', 'error', 'bufferedamountlow']) handlerProperty(ShimDataChannel.prototype, type)

export class ShimPeerConnection extends HandlerTarget {
  declare onicecandidate: Handler
  declare onicecandidateerror: Handler
  declare ondatachannel: Handler
  declare onconnectionstatechange: Handler
  connectionState: PeerConnectionState = 'new'
  localDescription: ShimSessionDescription | null = null
  remoteDescription: ShimSessionDescription | null = null
  private readonly pc: number
  private readonly channels = new Set<ShimDataChannel>()

  constructor (private readonly link: WebRtcLink, config: { iceServers?: IceServer[], certificates?: unknown[] } = {}) {
    super()
    if (!link.attached) throw new DOMException('No open page hosts WebRTC for the node', 'InvalidStateError')
    this.pc = link.connectionId()
    link.connections.set(this.pc, this)
    const iceServers = (config.iceServers ?? []).map(server => ({ urls: server.urls, username: server.username, credential: server.credential }))
    const certificates = config.certificates?.map(certificate => {
      if (!(certificate instanceof ShimCertificate)) throw new TypeError('certificates must come from RTCPeerConnection.generateCertificate')
      return certificate.handle.id
    })
    link.post({ type: 'pc:create', pc: this.pc, config: { iceServers, certificates } })
  }

  async createOffer (): Promise<ShimSessionDescription> {
    return new ShimSessionDescription((await this.link.call({ type: 'pc:createOffer', pc: this.pc }))!)
  }

  async createAnswer (): Promise<ShimSessionDescription> {
    return new ShimSessionDescription((await this.link.call({ type: 'pc:createAnswer', pc: this.pc }))!)
  }

  async setLocalDescription (description?: { type: SessionDescription['type'], sdp?: string }): Promise<void> {
    await this.link.call({ type: 'pc:setLocalDescription', pc: this.pc, description: description == null ? undefined : { type: description.type, sdp: description.sdp ?? '' } })
  }

  async setRemoteDescription (description: { type: SessionDescription['type'], sdp?: string }): Promise<void> {
    await this.link.call({ type: 'pc:setRemoteDescription', pc: this.pc, description: { type: description.type, sdp: description.sdp ?? '' } })
  }

  async addIceCandidate (candidate?: Partial<IceCandidate> | null): Promise<void> {
    await this.link.call({ type: 'pc:addIceCandidate', pc: this.pc, candidate: candidate == null ? null : new ShimIceCandidate(candidate).toJSON() })
  }

  createDataChannel (label: string, options: DataChannelOptions = {}): ShimDataChannel {
    if (this.connectionState === 'closed') throw new DOMException('The peer connection is closed', 'InvalidStateError')
    const dc = this.link.channelId()
    const channel = new ShimDataChannel(this.link, dc, { label, protocol: options.protocol ?? '', id: options.id ?? null, readyState: 'connecting', ordered: options.ordered })
    this.channels.add(channel)
    this.link.post({ type: 'dc:create', pc: this.pc, dc, label, options })
    return channel
  }

  close (): void {
    if (this.connectionState === 'closed') return
    this.link.post({ type: 'pc:close', pc: this.pc })
    this.closeChannels()
    this.setState('closed')
    this.link.connections.delete(this.pc)
  }

  hostState (state: PeerConnectionState, local: SessionDescription | null, remote: SessionDescription | null): void {
    this.localDescription = local == null ? null : new ShimSessionDescription(local)
    this.remoteDescription = remote == null ? null : new ShimSessionDescription(remote)
    this.setState(state)
  }

  hostCandidate (candidate: IceCandidate | null): void {
    this.fire(Object.assign(new Event('icecandidate'), { candidate: candidate == null ? null : new ShimIceCandidate(candidate) }))
  }

  hostCandidateError (errorText: string): void {
    this.fire(Object.assign(new Event('icecandidateerror'), { errorText }))
  }

  hostDataChannel (dc: number, label: string, protocol: string, id: number | null, readyState: DataChannelState): void {
    const channel = new ShimDataChannel(this.link, dc, { label, protocol, id, readyState })
    this.channels.add(channel)
    this.fire(Object.assign(new Event('datachannel'), { channel }))
  }

  /** The page hosting this connection closed: to its user it failed. */
  hostGone (): void {
    this.closeChannels()
    this.setState('failed')
    this.link.connections.delete(this.pc)
  }

  private closeChannels (): void {
    for (const channel of this.channels) channel.hostState('closed', channel.id)
    this.channels.clear()
  }

  private setState (state: PeerConnectionState): void {
    if (state === this.connectionState) return
    this.connectionState = state
    this.fire(new Event('connectionstatechange'))
  }
}
for (const type of ['icecandidate', 'icecandidateerror', 'datachannel', 'connectionstatechange']) handlerProperty(ShimPeerConnection.prototype, type)
