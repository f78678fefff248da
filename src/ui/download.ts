/**
 * Saves a file from the node to disk. With a service worker in control, the
 * node's stream is handed to it and the browser downloads it as it arrives;
 * without one (the very first visit), the bytes are gathered into a Blob.
 */
import { DOWNLOAD_PREFIX, type DownloadOffer } from '../lib/download.ts'
import { packStreams } from '../lib/port-stream.ts'
import type { NodeClient } from './node-client.ts'

function clickLink (href: string, name?: string): void {
  const link = document.createElement('a')
  link.href = href
  if (name != null) link.download = name
  link.rel = 'noopener'
  document.body.append(link)
  link.click()
  link.remove()
}

async function offerToServiceWorker (worker: ServiceWorker, offer: DownloadOffer): Promise<void> {
  const channel = new MessageChannel()
  const ready = new Promise<void>((resolve, reject) => {
    channel.port1.onmessage = () => { resolve() }
    setTimeout(() => { reject(new Error('The service worker did not take the download')) }, 5000)
  })
  const packed = packStreams(offer, [offer.stream])
  worker.postMessage(packed.value, [...packed.transferables, channel.port2])
  await ready
  channel.port1.close()
}

export async function downloadContent (client: NodeClient, path: string, name: string, size?: number): Promise<void> {
  const stream = await client.call('content.cat', { path })
  const worker = navigator.serviceWorker?.controller
  if (worker != null) {
    const id = crypto.randomUUID()
    await offerToServiceWorker(worker, { type: 'pollen:download', id, name, size, stream })
    clickLink(DOWNLOAD_PREFIX + id)
    return
  }
  const blob = await new Response(stream).blob()
  const url = URL.createObjectURL(blob)
  clickLink(url, name)
  setTimeout(() => { URL.revokeObjectURL(url) }, 60_000)
}

/** Reads up to `limit` bytes of a file into a Blob for preview. */
export async function readForPreview (client: NodeClient, path: string, type: string): Promise<Blob> {
  const stream = await client.call('content.cat', { path })
  // Re-typing a Blob with slice() shares its bytes instead of copying them.
  const blob = await new Response(stream).blob()
  return blob.slice(0, blob.size, type)
}
