// @ts-check
/**
 * Where a WebRTC transfer waited: the bytes the pages' peer connections moved, sampled from their
 * own statistics (`getStats`, transport bytes) while a transfer runs. A wait the fetch saw with
 * the transport idle on both ends is one the network path or the sender's node made; one with
 * bytes arriving is the receiving node's own. The node's peer connections live in its pages
 * (src/ui/webrtc-host.ts), so every page of the context records the connections it makes, and
 * their data channels' opening and closing.
 */

/** @typedef {import('@playwright/test').Page} Page */
/** @typedef {import('@playwright/test').BrowserContext} BrowserContext */
/** @typedef {Array<[number, number, number]>} Samples time (ms, the page's clock), bytes sent, bytes received */
/** @typedef {{ startedAt: number, samples: Samples, events: Array<[number, number, string]> }} Timeline */

const SAMPLE_MS = 50

/** Makes every page of `context` keep the peer connections it creates, for `sample`. */
export async function keepPeerConnections (/** @type {BrowserContext} */ context) {
  await context.addInitScript(() => {
    const Native = globalThis.RTCPeerConnection
    if (Native == null) return
    /** @type {RTCPeerConnection[]} */
    const kept = []
    /** @type {Array<[number, number, string]>} when (the page's clock), which connection (its index in kept), what */
    const events = []
    Object.defineProperty(globalThis, '__benchPeerConnections', { value: kept })
    Object.defineProperty(globalThis, '__benchPeerConnectionEvents', { value: events })
    /** A candidate as its address, port and type. */
    const candidateText = (/** @type {{ candidate?: string } | null | undefined} */ candidate) => candidate?.candidate?.split(' ').slice(4, 8).join(' ') ?? 'end'
    globalThis.RTCPeerConnection = class extends Native {
      index = kept.push(this) - 1

      constructor (/** @type {RTCConfiguration | undefined} */ config) {
        super(config)
        this.note('created')
        this.addEventListener('icegatheringstatechange', () => { this.note(`gathering ${this.iceGatheringState}`) })
        this.addEventListener('iceconnectionstatechange', () => { this.note(`ice ${this.iceConnectionState}`) })
        this.addEventListener('connectionstatechange', () => { this.note(`connection ${this.connectionState}`) })
        this.addEventListener('icecandidate', event => { this.note(`local candidate ${candidateText(event.candidate)}`) })
        this.addEventListener('datachannel', event => { this.watch(event.channel, 'opened by the remote') })
      }

      note (/** @type {string} */ what) { events.push([performance.now(), this.index, what]) }

      /** A data channel's life: the node's dial waits on its `init` channel opening and closing. */
      watch (/** @type {RTCDataChannel} */ channel, /** @type {string} */ how) {
        const name = () => `channel ${channel.label || '(no label)'} ${channel.id ?? '(no id yet)'}`
        this.note(`${name()} ${how}`)
        for (const type of ['open', 'closing', 'close', 'error']) channel.addEventListener(type, () => { this.note(`${name()} ${type}`) })
        const close = channel.close.bind(channel)
        channel.close = () => { this.note(`${name()} closed by the page`); close() }
      }

      createDataChannel (/** @type {string} */ label, /** @type {RTCDataChannelInit | undefined} */ init) {
        const channel = super.createDataChannel(label, init)
        this.watch(channel, 'created')
        return channel
      }

      async addIceCandidate (/** @type {any} */ candidate) {
        this.note(`remote candidate ${candidateText(candidate)}`)
        return await super.addIceCandidate(candidate)
      }

      async setRemoteDescription (/** @type {any} */ description) {
        this.note(`remote ${description?.type}`)
        return await super.setRemoteDescription(description)
      }

      // Closing fires no event of its own: a connection the node gave up on shows here.
      close () {
        this.note('closed by the page')
        super.close()
      }
    }
  })
}

/**
 * Starts sampling the page's peer connections every SAMPLE_MS; the returned function stops and
 * gives the samples with the page's clock at the start.
 * @param {Page} page
 * @returns {Promise<() => Promise<Timeline>>}
 */
export async function sample (page) {
  const handle = await page.evaluateHandle(async (sampleMs) => {
    /** @type {Array<[number, number, number]>} */
    const samples = []
    const startedAt = performance.now()
    let running = true
    const loop = (async () => {
      while (running) {
        let sent = 0
        let received = 0
        for (const pc of /** @type {RTCPeerConnection[]} */ (/** @type {any} */ (globalThis).__benchPeerConnections ?? [])) {
          if (pc.connectionState === 'closed') continue
          const stats = await pc.getStats().catch(() => undefined)
          stats?.forEach(report => {
            if (report.type === 'transport') { sent += report.bytesSent ?? 0; received += report.bytesReceived ?? 0 }
          })
        }
        samples.push([performance.now(), sent, received])
        await new Promise(resolve => setTimeout(resolve, sampleMs))
      }
    })()
    return {
      stop: async () => {
        running = false
        await loop
        /** @type {Array<[number, number, string]>} */
        const events = /** @type {any} */ (globalThis).__benchPeerConnectionEvents ?? []
        return { startedAt, samples, events: events.filter(([at]) => at >= startedAt) }
      }
    }
  }, SAMPLE_MS)
  return async () => {
    const result = await handle.evaluate(async h => await h.stop())
    await handle.dispose()
    return result
  }
}

/**
 * The longest time `column` (1: sent, 2: received) did not grow after its first growth, and when
 * it began (ms after the sampling started).
 * @param {Timeline} timeline
 * @param {1 | 2} column
 */
export function longestStill (timeline, column) {
  const { startedAt, samples } = timeline
  let longest = { ms: 0, at: 0 }
  let lastMove
  for (let i = 1; i < samples.length; i++) {
    if (samples[i][column] === samples[i - 1][column]) continue
    const at = samples[i - 1][0]
    if (lastMove != null && at - lastMove > longest.ms) longest = { ms: at - lastMove, at: lastMove - startedAt }
    lastMove = samples[i][0]
  }
  return longest
}

/** The peer connections' events since the sampling started, one line each: ms after the start, connection, what. */
export function eventLines (/** @type {Timeline} */ timeline) {
  return timeline.events.map(([at, index, what]) => `${(at - timeline.startedAt).toFixed(0).padStart(6)} ms  pc${index}  ${what}`)
}
