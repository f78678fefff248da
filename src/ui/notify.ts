/** A notification when a fetch ends while Pollen is not in view, if the person allowed them. */
import { formatBytes } from '../lib/format.ts'

export function notifyFetched (name: string, bytes: number): void {
  if (document.visibilityState !== 'hidden' || typeof Notification === 'undefined' || Notification.permission !== 'granted') return
  try {
    const notification = new Notification(`Fetched ${name}`, { body: `${formatBytes(bytes)} fetched and verified. It is in this browser now.`, tag: `pollen-fetched-${name}` })
    notification.onclick = () => { window.focus() }
  } catch {
    // Some browsers only notify through a service worker; the fetch itself is done either way.
  }
}
