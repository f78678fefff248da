/**
 * Files shared into Pollen from the system (Web Share Target): the service
 * worker streams each one into a Cache, under one batch, and sends the window
 * to the Files screen with the batch's id; the page adds them to the node and
 * then deletes them. A batch that a closed tab did not finish is added by the
 * next page that opens.
 */

/** The manifest's share_target action, relative to the app's scope. */
export const SHARE_TARGET_PATH = '/share-target'
/** The form field the manifest names for files. */
export const SHARE_TARGET_FILES_FIELD = 'files'
export const SHARED_FILES_CACHE = 'pollen-shared-files'
/** Where a shared file waits: `/_pollen/shared/<batch>/<index>`. */
export const SHARED_FILE_PREFIX = '/_pollen/shared/'
/** The shared file's name, URI-encoded (a header holds ASCII only). */
export const SHARED_NAME_HEADER = 'x-pollen-name'
/** The Files screen's hash parameter naming a batch that just arrived. */
export const SHARED_BATCH_PARAM = 'shared'

export function sharedFileUrl (origin: string, batch: string, index: number): string {
  return `${origin}${SHARED_FILE_PREFIX}${batch}/${index}`
}

/** Stored once every file of a batch is: a page adds no batch that is still arriving. */
export function sharedBatchCompleteUrl (origin: string, batch: string): string {
  return `${origin}${SHARED_FILE_PREFIX}${batch}/complete`
}

/** The batch and index (or 'complete', for the marker) of a stored shared file's URL; undefined for any other URL. */
export function parseSharedFileUrl (url: string): { batch: string, index: number | 'complete' } | undefined {
  const match = new RegExp(`^${SHARED_FILE_PREFIX}([0-9a-f-]{36})/(\\d{1,6}|complete)$`).exec(new URL(url).pathname)
  if (match == null) return undefined
  return { batch: match[1], index: match[2] === 'complete' ? 'complete' : Number(match[2]) }
}

/** The Files screen's URL for a batch that just arrived. */
export function sharedBatchRoute (batch: string): string {
  return `/#/files?${SHARED_BATCH_PARAM}=${batch}`
}
