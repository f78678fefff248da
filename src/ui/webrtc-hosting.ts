/**
 * Offers this page as the host of the node's WebRTC (DESIGN.md §4). Every
 * page waits for one Web Lock; the holder gives the node a port to its
 * WebRtcHost and keeps the call open while it lives. When it closes, the
 * lock passes to the next page, which hosts from then on.
 */
import { WebRtcHost } from './webrtc-host.ts'
import type { NodeClient } from './node-client.ts'

export const WEBRTC_HOST_LOCK = 'pollen:webrtc-host'

export function offerWebRtcHosting (client: NodeClient): void {
  if (typeof RTCPeerConnection === 'undefined') return
  void navigator.locks.request(WEBRTC_HOST_LOCK, async () => {
    const { port1, port2 } = new MessageChannel()
    const host = new WebRtcHost(port1)
    try {
      await client.call('webrtc.host', { port: port2 }, { transfer: [port2] })
    } catch {
      // The node went away or refused: give the lock to another page.
    } finally {
      host.close()
    }
  })
}
