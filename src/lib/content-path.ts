/**
 * Parses what a person pastes into the open box: a bare CID, an /ipfs/ path,
 * an ipfs:// URL, or a path- or subdomain-gateway URL.
 */
import { CID } from 'multiformats/cid'
import { InvalidCidError } from './errors.ts'
import { rootOfLabel } from './content-host.js'

export interface ContentPath {
  cid: CID
  /** Path segments below the root, already percent-decoded. */
  segments: string[]
}

function parseCid (text: string): CID {
  try {
    return CID.parse(text)
  } catch {
    // base32 CIDv1 from a subdomain is lowercase, so CID.parse covers it; other failures are real
  }
  throw new InvalidCidError(`"${text.length > 80 ? `${text.slice(0, 80)}…` : text}" is not a valid CID. A CID looks like bafy… or Qm…`)
}

function splitPath (path: string): string[] {
  const segments = path.split('/').filter(s => s !== '')
  return segments.map(s => {
    let decoded: string
    try {
      decoded = decodeURIComponent(s)
    } catch {
      throw new InvalidCidError(`The path segment "${s}" is not valid percent-encoding`)
    }
    if (decoded === '.' || decoded === '..') throw new InvalidCidError('A content path may not contain "." or ".." segments')
    if (decoded.includes('/')) throw new InvalidCidError(`The path segment "${s}" hides a "/" in percent-encoding`)
    return decoded
  })
}

export function parseContentPath (input: string): ContentPath {
  const text = input.trim()
  if (text === '') throw new InvalidCidError('Enter a CID or an /ipfs/ path')
  let rest = text
  const url = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? safeUrl(text) : undefined
  if (url != null) {
    if (url.protocol === 'ipfs:') {
      rest = `${url.hostname}${url.pathname}`
    } else if (url.protocol === 'ipns:') {
      throw new InvalidCidError('An IPNS name is not a CID: the Open screen opens it as a web page through the gateway')
    } else {
      const sub = /^([^.]+)\.ipfs\./.exec(url.hostname)
      rest = sub != null ? `${sub[1]}${url.pathname}` : url.pathname
    }
  }
  rest = rest.replace(/^\/+/, '')
  if (rest.startsWith('ipns/')) throw new InvalidCidError('An IPNS name is not a CID: the Open screen opens it as a web page through the gateway')
  if (rest.startsWith('ipfs/')) rest = rest.slice('ipfs/'.length)
  const [root, ...tail] = rest.split('/')
  return { cid: parseCid(root ?? ''), segments: splitPath(tail.join('/')) }
}

function safeUrl (text: string): URL | undefined {
  try {
    return new URL(text)
  } catch {
    throw new InvalidCidError(`"${text}" is not a valid URL`)
  }
}

/**
 * The /ipns/ path of an IPNS reference (ipns://name/…, /ipns/name/…, or a
 * subdomain gateway URL name.ipns.host/…); undefined for anything else.
 * IPNS names open through the gateway, which resolves and verifies them.
 */
export function ipnsPath (input: string): string | undefined {
  const text = input.trim()
  let url: URL | undefined
  try {
    url = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? new URL(text) : undefined
  } catch {
    return undefined
  }
  if (url?.protocol === 'ipns:') return `/ipns/${url.hostname}${url.pathname === '' ? '/' : url.pathname}${url.search}`
  if (url != null) {
    const sub = /^([^.]+)\.ipns\./.exec(url.hostname)
    const root = sub == null ? undefined : rootOfLabel('ipns', sub[1])
    return root == null ? undefined : `/ipns/${root}${url.pathname}${url.search}`
  }
  const match = /^\/?ipns\/([^/?#]+)(.*)$/.exec(text)
  return match == null ? undefined : `/ipns/${match[1]}${match[2] === '' ? '/' : match[2]}`
}

export function formatContentPath (path: ContentPath): string {
  return ['/ipfs', path.cid.toString(), ...path.segments.map(encodeURIComponent)].join('/')
}
