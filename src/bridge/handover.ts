/** Gives a service worker a port to the node and waits until it took it. */
import type { NodePortMessage } from '../lib/protocol.ts'

export const HANDOVER_TIMEOUT_MS = 5_000

/** @param pagesHoldNode see NodePortMessage */
export async function handOverPort (worker: ServiceWorker, port: MessagePort, pagesHoldNode = false): Promise<void> {
  const reply = new MessageChannel()
  const taken = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error('The service worker did not take the node port')) }, HANDOVER_TIMEOUT_MS)
    reply.port1.onmessage = () => { clearTimeout(timer); resolve() }
  })
  const message: NodePortMessage = { type: 'pollen:node-port', pagesHoldNode }
  worker.postMessage(message, [port, reply.port2])
  await taken
  reply.port1.close()
}

/** How long a new service worker may take to install (the app's precaches the app shell). */
export const ACTIVATION_TIMEOUT_MS = 30_000

/** The registration's active worker, once there is one. */
export async function activeWorker (registration: ServiceWorkerRegistration): Promise<ServiceWorker> {
  if (registration.active != null) return registration.active
  const pending = registration.installing ?? registration.waiting
  if (pending == null) return (await navigator.serviceWorker.ready).active!
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error(`Pollen's service worker did not start within ${ACTIVATION_TIMEOUT_MS / 1000} s.`)) }, ACTIVATION_TIMEOUT_MS)
    pending.addEventListener('statechange', () => {
      if (pending.state === 'activated') { clearTimeout(timer); resolve() }
      if (pending.state === 'redundant') { clearTimeout(timer); reject(new Error('Pollen\'s service worker failed to install.')) }
    })
  })
  return registration.active ?? pending
}
