/**
 * What this browser can do of what Pollen uses, and what a person gets
 * where it cannot (the Node screen lists it; README's browser table says the
 * same per engine). Each check is the one Pollen itself relies on.
 */
export interface BrowserFeature {
  id: string
  name: string
  available: boolean
  /** What Pollen does instead, in the user's terms. */
  without: string
}

/** @param nodeOutlivesPages whether the browser honoured `extendedLifetime` (node-client.ts) */
export function browserFeatures (nodeOutlivesPages: boolean): BrowserFeature[] {
  return [
    {
      id: 'extended-lifetime',
      name: 'Node keeps running a while after its last page closes',
      available: nodeOutlivesPages,
      without: 'The node stops with the last Pollen tab or content page. A content page holds the node while it is open, so it shows its content inside a frame of its own origin.'
    },
    {
      id: 'webrtc',
      name: 'WebRTC (direct connections to other browsers)',
      available: typeof RTCPeerConnection === 'function',
      without: 'Other browsers reach this node through a relay only; it advertises no /webrtc address, and transfers take the relay\'s path.'
    },
    {
      id: 'webtransport',
      name: 'WebTransport',
      available: typeof WebTransport === 'function',
      without: 'Peers are dialled over WebSockets and WebRTC; their WebTransport addresses are skipped.'
    },
    {
      id: 'storage-estimate',
      name: 'Storage quota and persistence (navigator.storage)',
      available: typeof navigator.storage?.estimate === 'function' && typeof navigator.storage?.persist === 'function',
      without: 'Storage use and quota are not shown and persistent storage cannot be asked for: the browser may clear stored files when space runs low. Keep what matters pinned elsewhere too.'
    },
    {
      id: 'protocol-handler',
      name: 'Opening ipfs:// and ipns:// links (registerProtocolHandler)',
      available: typeof navigator.registerProtocolHandler === 'function',
      without: 'The browser cannot hand such links to Pollen: paste them into the Open box.'
    },
    {
      id: 'file-handling',
      name: 'Opening files with the installed app (File Handling)',
      available: 'launchQueue' in window,
      without: 'Files cannot be opened with Pollen from the desktop: add them with Add files, or drop them on the Files screen.'
    },
    {
      id: 'app-badge',
      name: 'A badge on the installed app\'s icon (Badging)',
      available: typeof (navigator as { setAppBadge?: unknown }).setAppBadge === 'function',
      without: 'While peers fetch from this browser, the tab title says so; the app icon shows no count.'
    }
  ]
}
