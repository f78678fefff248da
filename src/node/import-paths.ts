/**
 * Turns the relative path a browser reports for a picked or dropped file into
 * the path the importer sees. Names are kept as they are, except that empty,
 * "." and ".." segments are dropped, so no entry can land outside the folder
 * it was added with, whatever a file source claims.
 */
import { InvalidCidError } from '../lib/errors.ts'

export function importSegments (relativePath: string): string[] {
  return relativePath.split('/').filter(s => s !== '' && s !== '.' && s !== '..')
}

/** The importer path of `relativePath` inside a folder called `root`. */
export function importPath (root: string, relativePath: string): string {
  const rootSegments = importSegments(root)
  const segments = importSegments(relativePath)
  // A folder picker reports paths starting with the folder's own name.
  if (segments[0] === rootSegments[0] && segments.length > 1) segments.shift()
  if (rootSegments.length !== 1) throw new InvalidCidError(`"${root}" cannot be used as a folder name`)
  if (segments.length === 0) throw new InvalidCidError(`"${relativePath}" names no file`)
  return [rootSegments[0], ...segments].join('/')
}
