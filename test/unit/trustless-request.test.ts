import { describe, expect, it } from 'vitest'
import { entityRange, parseTrustlessRequest, type TrustlessRequest } from '../../src/lib/trustless-request.ts'

const CID = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'

function parse (target: string, accept: string | null = null, method = 'GET'): TrustlessRequest {
  return parseTrustlessRequest(method, new URL(target, 'http://peer'), accept)
}

function status (request: TrustlessRequest): number | string {
  return request.kind === 'refused' ? request.status : request.kind
}

describe('a trustless gateway request', () => {
  it('asks for a raw block or a CAR by ?format=, which wins over Accept, or by Accept', () => {
    expect(status(parse(`/ipfs/${CID}?format=raw`))).toBe('raw')
    expect(status(parse(`/ipfs/${CID}?format=car`, 'application/vnd.ipld.raw'))).toBe('car')
    expect(status(parse(`/ipfs/${CID}`, 'text/html, application/vnd.ipld.car;version=1'))).toBe('car')
    expect(status(parse(`/ipfs/${CID}`, 'application/vnd.ipld.raw;q=0, application/vnd.ipld.car'))).toBe('car')
    expect(parse(`/ipfs/${CID}`, 'application/vnd.ipld.car', 'HEAD')).toMatchObject({ kind: 'car', head: true })
  })

  it('defaults to the whole DAG, each block once; reads dag-scope, entity-bytes and dups', () => {
    expect(parse(`/ipfs/${CID}/a/b%20c?format=car`)).toMatchObject({ kind: 'car', segments: ['a', 'b c'], car: { scope: 'all', duplicates: false } })
    expect(parse(`/ipfs/${CID}?format=car&dag-scope=block`)).toMatchObject({ car: { scope: 'block' } })
    // entity-bytes implies dag-scope=entity, and means nothing with another scope.
    expect(parse(`/ipfs/${CID}?format=car&entity-bytes=-10:*`)).toMatchObject({ car: { scope: 'entity', entityBytes: { from: -10, to: '*' } } })
    expect(parse(`/ipfs/${CID}?format=car&dag-scope=all&entity-bytes=0:9`)).toEqual(expect.objectContaining({ car: { scope: 'all', duplicates: false } }))
    expect(parse(`/ipfs/${CID}`, 'application/vnd.ipld.car; version=1; dups=y')).toMatchObject({ car: { duplicates: true } })
    expect(parse(`/ipfs/${CID}?format=car&car-dups=n`, 'application/vnd.ipld.car; dups=y')).toMatchObject({ car: { duplicates: false } })
  })

  it('refuses what is not one, with the status the spec asks for', () => {
    const cases: Array<[TrustlessRequest, number]> = [
      [parse(`/ipfs/${CID}`), 400],
      [parse(`/ipfs/${CID}`, 'text/html'), 406],
      [parse(`/ipfs/${CID}?format=tar`), 406],
      [parse(`/ipfs/${CID}?format=dag-json`), 406],
      [parse(`/ipfs/${CID}?format=png`), 400],
      [parse(`/ipfs/${CID}?format=car&car-version=2`), 406],
      [parse(`/ipfs/${CID}`, 'application/vnd.ipld.car; version=2'), 406],
      [parse(`/ipfs/${CID}?format=car&dag-scope=some`), 400],
      [parse(`/ipfs/${CID}?format=car&entity-bytes=1-2`), 400],
      [parse(`/ipfs/${CID}?format=car&entity-bytes=99999999999999999999:*`), 400],
      [parse(`/ipfs/${CID}?format=car&car-dups=maybe`), 400],
      [parse(`/ipfs/${CID}/a?format=raw`), 400],
      [parse('/ipfs/notacid?format=car'), 400],
      [parse(`/ipfs/${CID}/%E0%A4%A?format=car`), 400],
      [parse(`/ipfs/${CID}/../x?format=car`), 400],
      [parse('/ipfs/?format=car'), 400],
      [parse('/'), 400],
      [parse('/ipns/example.com?format=car'), 501],
      [parse(`/ipfs/${CID}?format=car`, null, 'POST'), 405],
      [parse(`/ipfs/${CID}?format=car&x=${'y'.repeat(8200)}`), 414]
    ]
    for (const [request, expected] of cases) expect(status(request)).toBe(expected)
  })
})

describe('entity-bytes over a file', () => {
  // The gateway conformance suite's cases, over its 1026-byte file.
  it('is an inclusive range, negative offsets counted from the end and clamped to the file', () => {
    expect(entityRange({ from: 512, to: 1023 }, 1026)).toEqual([512, 1023])
    expect(entityRange({ from: 512, to: -256 }, 1026)).toEqual([512, 770])
    expect(entityRange({ from: -5, to: '*' }, 1026)).toEqual([1021, 1025])
    expect(entityRange({ from: -9999, to: '*' }, 1026)).toEqual([0, 1025])
    expect(entityRange({ from: -9999, to: -3 }, 1026)).toEqual([0, 1023])
    expect(entityRange({ from: 0, to: 0 }, 1026)).toEqual([0, 0])
    expect(entityRange({ from: 1000, to: 99999 }, 1026)).toEqual([1000, 1025])
  })

  it('holds no byte when it starts past the end or ends before it starts', () => {
    expect(entityRange({ from: 1026, to: '*' }, 1026)).toBeUndefined()
    expect(entityRange({ from: 10, to: 5 }, 1026)).toBeUndefined()
    expect(entityRange({ from: 0, to: '*' }, 0)).toBeUndefined()
  })
})
