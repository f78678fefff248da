/** Registers the app-shell service worker with workbox-window. */
import { Workbox } from 'workbox-window'

export async function registerServiceWorker (): Promise<void> {
  if (!('serviceWorker' in navigator)) return
  const wb = new Workbox('/sw.js', { type: import.meta.env.DEV ? 'module' : 'classic' })
  await wb.register()
}
