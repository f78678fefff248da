import { describe, expect, it } from 'vitest'
import { isLocalOrInsecure } from '../../src/node/gateway-fallback.ts'
import { sleep } from '../../src/lib/sleep.ts'

describe('isLocalOrInsecure', () => {
  it('tells plain http and this machine\'s or a private network\'s gateways from public https ones', () => {
    expect(isLocalOrInsecure('https://trustless-gateway.link')).toEqual({ insecure: false, local: false })
    expect(isLocalOrInsecure('http://127.0.0.1:4102')).toEqual({ insecure: true, local: true })
    expect(isLocalOrInsecure('https://gw.localhost')).toEqual({ insecure: false, local: true })
    expect(isLocalOrInsecure('http://192.168.1.20:8080')).toEqual({ insecure: true, local: true })
    expect(isLocalOrInsecure('https://172.20.0.5')).toEqual({ insecure: false, local: true })
    expect(isLocalOrInsecure('https://172.32.0.5')).toEqual({ insecure: false, local: false })
    expect(isLocalOrInsecure('http://[::1]:8080')).toEqual({ insecure: true, local: true })
    expect(isLocalOrInsecure('http://gateway.example')).toEqual({ insecure: true, local: false })
  })
})

describe('sleep', () => {
  it('resolves after the time given', async () => {
    await expect(sleep(5)).resolves.toBeUndefined()
  })

  it('rejects with the signal\'s reason when aborted before or during the wait', async () => {
    const reason = new Error('stop')
    await expect(sleep(10_000, AbortSignal.abort(reason))).rejects.toBe(reason)
    const controller = new AbortController()
    const waiting = sleep(10_000, controller.signal)
    controller.abort(reason)
    await expect(waiting).rejects.toBe(reason)
  })
})
