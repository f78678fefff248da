/**
 * The Web Share Target: the system share sheet POSTs files (and text) here as
 * multipart/form-data. Each file streams into a Cache as it is read from the
 * request (src/lib/shared-files.ts), so nothing is held in memory whole, and
 * the window goes on to the Files screen, which adds them to the node.
 */
import { registerRoute } from 'workbox-routing'
import { boundaryOf, readFormParts, type FormPart } from '../lib/multipart.ts'
import { parseShareLink, SHARE_ROUTE } from '../lib/share-link.ts'
import { SHARE_TARGET_FILES_FIELD, SHARE_TARGET_PATH, SHARED_FILES_CACHE, SHARED_NAME_HEADER, sharedBatchCompleteUrl, sharedBatchRoute, sharedFileUrl } from '../lib/shared-files.ts'
import { pageResponse } from './content-requests.ts'

declare const self: ServiceWorkerGlobalScope

/** Text fields (title, text, url) longer than this are cut: they name what is shared, they are not content. */
const MAX_TEXT_FIELD_BYTES = 64 * 1024

export function registerShareTarget (): void {
  registerRoute(({ url, sameOrigin }) => sameOrigin && url.pathname === SHARE_TARGET_PATH, async ({ request }) => await receiveShare(request), 'POST')
}

async function receiveShare (request: Request): Promise<Response> {
  const accept = request.headers.get('accept')
  let boundary: string
  try {
    boundary = boundaryOf(request.headers.get('content-type'))
  } catch (err) {
    return pageResponse(400, 'Nothing to add', [`Pollen takes shared files as a form upload: ${(err as Error).message}.`], accept)
  }
  if (request.body == null) return pageResponse(400, 'Nothing to add', ['The share carried no files.'], accept)
  const batch = crypto.randomUUID()
  const cache = await caches.open(SHARED_FILES_CACHE)
  const texts = new Map<string, string>()
  let stored = 0
  // The cache reports a stream that failed as a bare network error; the part's own error says what was wrong.
  let bodyError: unknown
  try {
    for await (const part of readFormParts(request.body, boundary)) {
      if (part.name === SHARE_TARGET_FILES_FIELD && part.filename != null && part.filename !== '') {
        await store(cache, batch, stored++, part.filename, part.contentType, reportingErrors(part.body, err => { bodyError = err }))
      } else if (part.filename == null && ['title', 'text', 'url'].includes(part.name)) {
        texts.set(part.name, await readText(part))
      } else {
        await part.body.cancel()
      }
    }
    if (stored === 0) {
      const link = sharedLink(texts)
      if (link != null) return Response.redirect(new URL(`/${link}`, self.location.origin).href, 303)
      const text = [texts.get('text'), texts.get('url')].filter(value => value != null && value !== '').join('\n')
      if (text === '') return pageResponse(400, 'Nothing to add', ['The share carried no files and no text.'], accept)
      const name = `${(texts.get('title') ?? '').replace(/[/\\\0]/g, ' ').trim().slice(0, 100) || 'Shared text'}.txt`
      await store(cache, batch, stored++, name, 'text/plain;charset=utf-8', new Blob([text]).stream())
    }
    await cache.put(sharedBatchCompleteUrl(self.location.origin, batch), new Response(String(stored)))
  } catch (thrown) {
    const err = bodyError ?? thrown
    await forgetBatch(cache, batch, stored + 1)
    if ((err as Error).name === 'QuotaExceededError') {
      return pageResponse(507, 'Not enough storage', ['The browser has no room left for the shared files, so none were added.', 'Free space on the Files screen (delete files, then collect garbage) and share them again.'], accept)
    }
    return pageResponse(400, 'Could not read the shared files', [`${(err as Error).message}.`, 'Share them again; nothing was added.'], accept)
  }
  return Response.redirect(new URL(sharedBatchRoute(batch), self.location.origin).href, 303)
}

async function store (cache: Cache, batch: string, index: number, name: string, contentType: string, body: ReadableStream<Uint8Array>): Promise<void> {
  const headers = { 'content-type': contentType, [SHARED_NAME_HEADER]: encodeURIComponent(name) }
  // The cache reads the stream to disk as the request delivers it.
  await cache.put(sharedFileUrl(self.location.origin, batch, index), new Response(body, { headers }))
}

/** The same bytes, telling `onError` why the stream failed, if it does. */
function reportingErrors (body: ReadableStream<Uint8Array>, onError: (err: unknown) => void): ReadableStream<Uint8Array> {
  const reader = body.getReader()
  return new ReadableStream<Uint8Array>({
    pull: async controller => {
      try {
        const { done, value } = await reader.read()
        if (done) controller.close()
        else controller.enqueue(value)
      } catch (err) {
        onError(err)
        controller.error(err)
      }
    },
    cancel: async reason => { await reader.cancel(reason) }
  }, { highWaterMark: 0 })
}

async function forgetBatch (cache: Cache, batch: string, count: number): Promise<void> {
  for (let index = 0; index < count; index++) await cache.delete(sharedFileUrl(self.location.origin, batch, index))
}

async function readText (part: FormPart): Promise<string> {
  const reader = part.body.getReader()
  const decoder = new TextDecoder()
  let text = ''
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    if (size < MAX_TEXT_FIELD_BYTES) text += decoder.decode(value.subarray(0, MAX_TEXT_FIELD_BYTES - size), { stream: true })
    size += value.length
  }
  return (text + decoder.decode()).trim()
}

/** A Pollen share link among the shared text: opened (it asks before fetching) rather than saved as text. */
function sharedLink (texts: Map<string, string>): string | undefined {
  for (const value of [texts.get('url'), texts.get('text')]) {
    if (value == null || value === '') continue
    const candidate = value.split(/\s+/).find(word => word.includes(SHARE_ROUTE))
    if (candidate == null) continue
    try {
      if (parseShareLink(candidate) != null) return candidate.slice(candidate.indexOf('#'))
    } catch {}
  }
  return undefined
}
