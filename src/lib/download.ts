/**
 * Streamed downloads: a page hands the service worker a ReadableStream from
 * the node, then navigates to DOWNLOAD_PREFIX + id; the service worker answers
 * with the stream as an attachment, so the bytes go to disk as they arrive.
 */
export const DOWNLOAD_PREFIX = '/_pollen/download/'

export interface DownloadOffer {
  type: 'pollen:download'
  id: string
  name: string
  size?: number
  stream: ReadableStream<Uint8Array>
}

export function isDownloadOffer (data: unknown): data is DownloadOffer {
  return typeof data === 'object' && data !== null && (data as DownloadOffer).type === 'pollen:download' &&
    (data as DownloadOffer).stream instanceof ReadableStream
}
