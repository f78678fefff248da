/**
 * What a content port takes from a page (src/node/content-guard.ts): the
 * calls a hostile page can craft, and what reaches the gateway.
 */
import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { MAX_HEADER_FIELDS, checkContentCall, checkedResource, normalisePath } from '../../src/node/content-guard.ts'
import type { ContentScope } from '../../src/lib/protocol.ts'

const OWN = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'
const OTHER = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
const SCOPE: ContentScope = { namespace: 'ipfs', root: OWN }

function call (overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { namespace: 'ipfs', root: OWN, path: '/index.html', search: '', method: 'GET', headers: [['accept', 'text/html']], base: '', ...overrides }
}

/** The status a call gets: 200 when it reaches the gateway. */
function status (input: unknown, scope: ContentScope | 'unscoped' = SCOPE): number {
  const checked = checkContentCall(input, scope === 'unscoped' ? undefined : scope)
  return checked.ok ? 200 : checked.refusal.status
}

describe('a scoped content port', () => {
  it('serves its own root, with the path normalised', () => {
    const checked = checkContentCall(call({ path: '/a%20b/%63.txt' }), SCOPE)
    expect(checked).toEqual({ ok: true, request: expect.objectContaining({ namespace: 'ipfs', root: OWN, path: '/a%20b/c.txt', base: '', form: 'subdomain' }) })
  })

  it('refuses another root or another namespace, and takes its own root in any spelling', () => {
    expect(status(call({ root: OTHER }))).toBe(403)
    expect(status(call({ namespace: 'ipns', root: 'docs.ipfs.tech' }))).toBe(403)
    expect(status(call({ root: CID.parse(OWN).toV0().toString() }))).toBe(200)
  })

  it('cannot smuggle another root in through the path (user info, no leading slash, dot segments)', () => {
    expect(status(call({ path: `@${OTHER}/secret.txt` }))).toBe(400)
    expect(status(call({ path: `//${OTHER}/secret.txt` }))).toBe(200)
    const doubled = checkContentCall(call({ path: `//${OTHER}/secret.txt` }), SCOPE)
    // A path that starts with // is still a path under the own root.
    expect(doubled.ok && checkedResource(doubled.request)).toBe(`ipfs://${OWN}//${OTHER}/secret.txt`)
    expect(status(call({ path: '/a?b' }))).toBe(400)
    expect(status(call({ path: '/a#b' }))).toBe(400)
    expect(status(call({ path: '/a b' }))).toBe(400)
    expect(status(call({ path: '/%zz' }))).toBe(400)
    const dots = checkContentCall(call({ path: '/../../%2e%2e/x' }), SCOPE)
    expect(dots.ok && new URL(checkedResource(dots.request)).host).toBe(OWN)
  })

  it('takes the scope\'s root and no base or form from the call', () => {
    const checked = checkContentCall(call({ base: 'https://evil.example', form: 'path' }), SCOPE)
    expect(checked.ok && checked.request.base).toBe('')
    expect(checked.ok && checked.request.form).toBe('subdomain')
  })

  it('refuses malformed calls with 400, never letting them reach the gateway', () => {
    for (const bad of [null, 'GET /', 42, [], call({ path: 7 }), call({ headers: 'accept: */*' }), call({ headers: [['accept']] }), call({ headers: [['bad name', 'x']] }), call({ headers: [['x', 'a\r\nb: c']] }), call({ method: 'get / HTTP/1.1' }), call({ search: 'a=b' })]) {
      expect(status(bad), JSON.stringify(bad)).toBe(400)
    }
  })

  it('refuses oversized paths (414) and headers (431)', () => {
    expect(status(call({ path: `/${'a'.repeat(9000)}` }))).toBe(414)
    expect(status(call({ search: `?${'a'.repeat(9000)}` }))).toBe(414)
    expect(status(call({ headers: Array.from({ length: MAX_HEADER_FIELDS + 1 }, (_, i) => [`x-${i}`, 'y']) }))).toBe(431)
    expect(status(call({ headers: [['x-big', 'y'.repeat(20_000)]] }))).toBe(431)
  })
})

describe('the app origin\'s port (no scope)', () => {
  it('takes the root from the call, and checks it', () => {
    expect(status(call({ root: OTHER }), 'unscoped')).toBe(200)
    expect(status(call({ root: `${OWN}@evil.example` }), 'unscoped')).toBe(400)
    expect(status(call({ namespace: 'ipns', root: 'docs.ipfs.tech@evil.example' }), 'unscoped')).toBe(400)
    expect(status(call({ namespace: 'ipns', root: 'docs.ipfs.tech' }), 'unscoped')).toBe(200)
    expect(status(call({ namespace: 'ipns', root: 'localhost' }), 'unscoped')).toBe(400)
    expect(status(call({ namespace: 'file', root: OWN }), 'unscoped')).toBe(400)
  })

  it('keeps path mode\'s base only when it is the root\'s own path', () => {
    const checked = checkContentCall(call({ base: `/ipfs/${OWN}`, form: 'path' }), undefined)
    expect(checked.ok && checked.request).toEqual(expect.objectContaining({ base: `/ipfs/${OWN}`, form: 'path' }))
    expect(status(call({ base: '//evil.example', form: 'path' }), 'unscoped')).toBe(400)
  })
})

describe('normalisePath', () => {
  it('keeps one spelling per path, pchar as browsers send it', () => {
    expect(normalisePath('/a/b/')).toBe('/a/b/')
    expect(normalisePath('/%61%40b:c(1)')).toBe('/a@b:c(1)')
    expect(normalisePath('/a%2Fb')).toBe('/a%2Fb')
    expect(normalisePath('/ä')).toBe('/%C3%A4')
    expect(normalisePath('relative')).toBeUndefined()
  })
})
