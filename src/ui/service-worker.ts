/**
 * Registers the service worker with workbox-window and keeps it connected to
 * the node: it gets a port at once, again after an update takes over, and
 * whenever it asks (the browser stops idle service workers, and the port
 * goes with them).
 */
import { Workbox } from 'workbox-window'
import { activeWorker, handOverPort } from '../bridge/handover.ts'
import { isMessage, type PortNeededMessage } from '../lib/protocol.ts'
import type { NodeClient } from './node-client.ts'

export async function registerServiceWorker (client: NodeClient): Promise<void> {
  if (!('serviceWorker' in navigator)) return
  const wb = new Workbox('/sw.js', { type: import.meta.env.DEV ? 'module' : 'classic' })
  const registration = await wb.register()
  if (registration == null) return
  const connect = async (): Promise<void> => {
    const worker = await activeWorker(registration)
    const port = await client.call('gateway.port', undefined)
    await handOverPort(worker, port)
  }
  const reconnect = (): void => { connect().catch(err => { console.warn('Pollen: could not connect the service worker to the node:', err) }) }
  navigator.serviceWorker.addEventListener('message', event => {
    if (isMessage<PortNeededMessage>(event.data, 'pollen:port-needed')) reconnect()
  })
  navigator.serviceWorker.addEventListener('controllerchange', reconnect)
  reconnect()
}
