/**
 * Holding the node for a content page, in browsers where the node ends with
 * the last page that holds it (Firefox and WebKit ignore `extendedLifetime`).
 * The boot document stays the top document, keeps its bridge frame open,
 * and shows the content in a frame of the same origin that fills the
 * window; the address bar and title follow the content. It gives the service
 * worker a new port whenever the worker asks (a restarted worker has none).
 */
import { isMessage, type PortNeededMessage, type ShowUnheldMessage } from '../lib/protocol.ts'
import type { BridgeFrame } from './bridge-frame.ts'
import { handOverPort } from './handover.ts'
import { countVisit } from './visits.ts'

/** More holders than this for one URL within the window: the content keeps leaving the frame. */
export const MAX_HOLDS = 3
export const HOLD_WINDOW_MS = 10_000
const HOLDS_KEY = 'pollen:holds'

/**
 * Counts this hold; false when the same URL was held too often just now,
 * as when content moves itself out of any frame (`top.location = …`)
 */
export function mayHold (url: string): boolean {
  return countVisit(HOLDS_KEY, url, HOLD_WINDOW_MS) < MAX_HOLDS
}

/** Shows the content as the top document after all: the worker serves its next navigation unframed. */
export function showUnheld (worker: ServiceWorker, url: string): void {
  const message: ShowUnheldMessage = { type: 'pollen:show-unheld', url }
  worker.postMessage(message)
  location.replace(url)
}

export function holdContent (url: string, bridge: BridgeFrame, registration: ServiceWorkerRegistration): void {
  const content = document.createElement('iframe')
  content.id = 'content'
  content.title = document.title
  content.src = url
  document.getElementById('boot')!.replaceWith(content)
  document.documentElement.dataset.holding = ''

  const follow = (): void => {
    // Same origin, so readable; a frame that navigated elsewhere (about:blank) is left as it is.
    let shown: Location, title: string
    try {
      shown = content.contentWindow!.location
      title = content.contentDocument!.title
    } catch {
      return
    }
    if (shown.origin !== location.origin) return
    if (shown.href !== location.href) history.replaceState(null, '', shown.href)
    document.title = title === '' ? shown.pathname : title
  }
  content.addEventListener('load', () => {
    follow()
    content.contentWindow?.addEventListener('hashchange', follow)
    content.contentWindow?.addEventListener('popstate', follow)
    const head = content.contentDocument?.head
    if (head != null) new MutationObserver(follow).observe(head, { subtree: true, childList: true, characterData: true })
  })

  navigator.serviceWorker.addEventListener('message', event => {
    if (!isMessage<PortNeededMessage>(event.data, 'pollen:port-needed')) return
    void (async () => {
      const worker = registration.active
      if (worker == null) return
      await handOverPort(worker, await bridge.port(), true)
    })().catch(err => { console.warn('Pollen: could not give the service worker a new port:', err) })
  })
}
