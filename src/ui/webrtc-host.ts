/**
 * The page side of the node's WebRTC (DESIGN.md §4): real RTCPeerConnections
 * and data channels, driven over a MessagePort by the shim in the
 * SharedWorker, which has no WebRTC of its own. Signalling calls are answered,
 * state changes, candidates and messages are forwarded, and ArrayBuffers are
 * transferred, not copied.
 */
import type { CertificateAlgorithm, CertificateHandle, DataChannelState, HostToShim, IceCandidate, SessionDescription, ShimToHost } from '../lib/webrtc-protocol.ts'

function plainCandidate (candidate: RTCIceCandidate | null): IceCandidate | null {
  if (candidate == null) return null
  return { candidate: candidate.candidate, sdpMid: candidate.sdpMid, sdpMLineIndex: candidate.sdpMLineIndex, usernameFragment: candidate.usernameFragment }
}

function plainDescription (description: RTCSessionDescription | RTCSessionDescriptionInit | null): SessionDescription | null {
  if (description?.type == null) return null
  return { type: description.type, sdp: description.sdp ?? '' }
}

export class WebRtcHost {
  private readonly connections = new Map<number, RTCPeerConnection>()
  private readonly channels = new Map<number, { channel: RTCDataChannel, handed: number }>()
  /**
   * Certificates the shim generated, by handle id. Each leaves the map with
   * the first peer connection that used it closing: @libp2p/webrtc makes one
   * per WebRTC-direct dial.
   */
  private readonly certificates = new Map<number, RTCCertificate>()
  private readonly certificatesOf = new Map<number, number[]>()
  private nextCertificate = 1
  /** Channels the remote side opens get negative numbers, so they never meet the shim's own. */
  private nextRemoteChannel = -1

  constructor (private readonly port: MessagePort) {
    port.onmessage = event => { this.handle(event.data as ShimToHost) }
    port.start()
  }

  /** Ends every peer connection, as when the page goes away. */
  close (): void {
    for (const id of [...this.connections.keys()]) this.closeConnection(id)
    this.channels.clear()
    this.certificates.clear()
    this.port.close()
  }

  private send (message: HostToShim, transfer: Transferable[] = []): void {
    this.port.postMessage(message, transfer)
  }

  private handle (message: ShimToHost): void {
    switch (message.type) {
      case 'pc:create': this.create(message.pc, message.config); break
      case 'pc:createOffer': void this.answer(message.call, async pc => plainDescription(await pc.createOffer()), message.pc); break
      case 'pc:createAnswer': void this.answer(message.call, async pc => plainDescription(await pc.createAnswer()), message.pc); break
      case 'pc:setLocalDescription': void this.answer(message.call, async pc => { await pc.setLocalDescription(message.description) }, message.pc); break
      case 'pc:setRemoteDescription': void this.answer(message.call, async pc => { await pc.setRemoteDescription(message.description) }, message.pc); break
      case 'pc:addIceCandidate': void this.answer(message.call, async pc => { await pc.addIceCandidate(message.candidate ?? undefined) }, message.pc); break
      case 'cert:generate': void this.reply(message.call, async () => await this.generateCertificate(message.algorithm)); break
      case 'pc:close': this.closeConnection(message.pc); break
      case 'dc:create': {
        const pc = this.connections.get(message.pc)
        if (pc == null) { this.send({ type: 'dc:state', dc: message.dc, readyState: 'closed', id: null }); break }
        this.watchChannel(message.dc, pc.createDataChannel(message.label, message.options))
        break
      }
      case 'dc:send': {
        const entry = this.channels.get(message.dc)
        if (entry == null || entry.channel.readyState !== 'open') break
        for (const data of message.data) {
          entry.channel.send(data as ArrayBuffer)
          entry.handed += typeof data === 'string' ? new TextEncoder().encode(data).byteLength : data.byteLength
        }
        this.send({ type: 'dc:buffered', dc: message.dc, bufferedAmount: entry.channel.bufferedAmount, handed: entry.handed })
        break
      }
      case 'dc:threshold': {
        const entry = this.channels.get(message.dc)
        if (entry != null) entry.channel.bufferedAmountLowThreshold = message.threshold
        break
      }
      case 'dc:close': this.channels.get(message.dc)?.channel.close(); break
    }
  }

  private closeConnection (id: number): void {
    this.connections.get(id)?.close()
    this.connections.delete(id)
    for (const certificate of this.certificatesOf.get(id) ?? []) this.certificates.delete(certificate)
    this.certificatesOf.delete(id)
  }

  private async generateCertificate (algorithm: CertificateAlgorithm): Promise<CertificateHandle> {
    const certificate = await RTCPeerConnection.generateCertificate(algorithm as AlgorithmIdentifier)
    const id = this.nextCertificate++
    this.certificates.set(id, certificate)
    return { id, expires: certificate.expires, fingerprints: certificate.getFingerprints() }
  }

  private create (id: number, config: Extract<ShimToHost, { type: 'pc:create' }>['config']): void {
    const certificateIds = config.certificates ?? []
    const certificates = certificateIds.map(certificate => this.certificates.get(certificate)).filter(c => c != null)
    let pc: RTCPeerConnection
    try {
      pc = new RTCPeerConnection({ iceServers: config.iceServers, ...(certificates.length > 0 ? { certificates } : {}) })
    } catch {
      // A bad configuration (an unusable ICE server URL): to the shim the connection failed.
      this.send({ type: 'pc:state', pc: id, connectionState: 'failed', localDescription: null, remoteDescription: null })
      return
    }
    this.connections.set(id, pc)
    this.certificatesOf.set(id, certificateIds)
    const state = (): void => {
      this.send({ type: 'pc:state', pc: id, connectionState: pc.connectionState, localDescription: plainDescription(pc.localDescription), remoteDescription: plainDescription(pc.remoteDescription) })
    }
    pc.addEventListener('connectionstatechange', state)
    pc.addEventListener('signalingstatechange', state)
    pc.addEventListener('icecandidate', event => { this.send({ type: 'pc:icecandidate', pc: id, candidate: plainCandidate(event.candidate) }) })
    pc.addEventListener('icecandidateerror', event => { this.send({ type: 'pc:icecandidateerror', pc: id, errorText: (event as RTCPeerConnectionIceErrorEvent).errorText }) })
    pc.addEventListener('datachannel', event => {
      const dc = this.nextRemoteChannel--
      const channel = event.channel
      this.watchChannel(dc, channel)
      this.send({ type: 'pc:datachannel', pc: id, dc, label: channel.label, protocol: channel.protocol, id: channel.id, readyState: channel.readyState as DataChannelState })
    })
  }

  private watchChannel (dc: number, channel: RTCDataChannel): void {
    channel.binaryType = 'arraybuffer'
    const entry = { channel, handed: 0 }
    this.channels.set(dc, entry)
    const state = (): void => { this.send({ type: 'dc:state', dc, readyState: channel.readyState as DataChannelState, id: channel.id }) }
    channel.addEventListener('open', state)
    channel.addEventListener('closing', state)
    channel.addEventListener('close', () => { state(); this.channels.delete(dc) })
    channel.addEventListener('error', event => { this.send({ type: 'dc:error', dc, message: (event as RTCErrorEvent).error?.message ?? 'data channel error' }) })
    channel.addEventListener('message', event => {
      const data = event.data as ArrayBuffer | string
      this.send({ type: 'dc:message', dc, data }, typeof data === 'string' ? [] : [data])
    })
    channel.addEventListener('bufferedamountlow', () => {
      this.send({ type: 'dc:buffered', dc, bufferedAmount: channel.bufferedAmount, handed: entry.handed })
    })
    if (channel.readyState !== 'connecting') state()
  }

  /** Runs `work` on the shim's peer connection `id` and replies with its result. */
  private async answer (call: number, work: (pc: RTCPeerConnection) => Promise<SessionDescription | null | void>, id: number): Promise<void> {
    await this.reply(call, async () => {
      const pc = this.connections.get(id)
      if (pc == null) throw new DOMException('The peer connection is closed', 'InvalidStateError')
      return await work(pc)
    })
  }

  private async reply (call: number, work: () => Promise<SessionDescription | CertificateHandle | null | void>): Promise<void> {
    try {
      this.send({ type: 'reply', call, result: (await work()) ?? undefined })
    } catch (err) {
      this.send({ type: 'reply', call, error: { name: (err as Error).name, message: (err as Error).message } })
    }
  }
}
