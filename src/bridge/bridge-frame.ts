/**
 * A content origin's way to the node: a hidden frame of the app origin's
 * bridge (bridge.ts), which answers with a port reading this origin's root
 * only. The frame stays open as long as its page: in a browser where the
 * node ends with the last page holding it, the frame is what holds it.
 */
import { isMessage, type BridgePortMessage, type BridgePortNeededMessage } from '../lib/protocol.ts'

export const BRIDGE_PATH = '/bridge.html'
export const BRIDGE_TIMEOUT_MS = 20_000

export class BridgeFrame {
  /** Whether the node outlives the pages holding it, as the bridge said with its last port. */
  nodeOutlivesPages = true
  private readonly frame = document.createElement('iframe')
  private waiting: Array<(port: MessagePort) => void> = []
  /** The bridge sends its first port unasked once it loaded; later ones when asked. */
  private loaded = false

  constructor (private readonly appOrigin: string) {
    this.frame.hidden = true
    this.frame.title = 'Pollen bridge'
    window.addEventListener('message', event => {
      if (event.origin !== appOrigin || event.source !== this.frame.contentWindow) return
      if (!isMessage<BridgePortMessage>(event.data, 'pollen:bridge-port') || event.ports[0] == null) return
      this.loaded = true
      this.nodeOutlivesPages = event.data.nodeOutlivesPages
      this.waiting.shift()?.(event.ports[0])
    })
    this.frame.src = `${appOrigin}${BRIDGE_PATH}`
    document.body.append(this.frame)
  }

  /** A port to the node, reading this origin's root only. */
  async port (): Promise<MessagePort> {
    const port = new Promise<MessagePort>((resolve, reject) => {
      const waiter = (received: MessagePort): void => { clearTimeout(timer); resolve(received) }
      const timer = setTimeout(() => {
        this.waiting = this.waiting.filter(other => other !== waiter)
        reject(new Error(`The node did not answer within ${BRIDGE_TIMEOUT_MS / 1000} s`))
      }, BRIDGE_TIMEOUT_MS)
      this.waiting.push(waiter)
    })
    if (this.loaded) {
      const asked: BridgePortNeededMessage = { type: 'pollen:bridge-port-needed' }
      this.frame.contentWindow?.postMessage(asked, this.appOrigin)
    }
    return await port
  }
}
