/**
 * A Helia router that keeps the IPNS records published to this node's
 * delegated routing API (PUT /routing/v1/ipns/{name}, validated by the API
 * server first) and hands them out again (GET). The DHT alone cannot: with no
 * other DHT servers around, its get finds nobody to ask. Of two records for
 * one name, the one the IPNS rules prefer is kept (higher sequence, later
 * validity).
 *
 * Bounded for a public node: at most `maxNames` names; a record is dropped
 * when its validity ends or when it was not republished within `maxAgeMs`
 * (as a DHT forgets records), on the next read of it and by a sweep.
 */
import { Key, type Datastore } from 'interface-datastore'
import { unmarshalIPNSRecord } from 'ipns'
import { ipnsSelector } from 'ipns/selector'
import { base32 } from 'multiformats/bases/base32'
import type { Routing } from '@helia/interface'
import type { AbortOptions } from '@libp2p/interface'

export const IPNS_RECORDS_ROUTER = 'pollen-infra-ipns-records'

const RECORD_PREFIX = '/pollen-infra/ipns/'
/** When each record arrived (milliseconds as decimal text), for the maximum age. */
const RECEIVED_PREFIX = '/pollen-infra/ipns-received/'
/** How often records past their time are swept out, besides on every read and every new name at the cap. */
export const DEFAULT_IPNS_SWEEP_MS = 60_000

/** Named as the API server expects, which then answers that no record was found. */
export class IpnsRecordNotFoundError extends Error {
  static name = 'NotFoundError'
  name = 'NotFoundError'
}

export class IpnsNameLimitError extends Error {
  static name = 'IpnsNameLimitError'
  name = 'IpnsNameLimitError'
  /** Fastify answers an error with this status. */
  statusCode = 507
}

export interface IpnsRecordsInit {
  datastore: Datastore
  maxNames: number
  maxAgeMs: number
  sweepMs?: number
  log: (event: Record<string, unknown>) => void
}

export interface IpnsRecords extends Pick<Routing, 'put' | 'get'> {
  name: string
  /** Reads the names kept, dropping those past their time, and starts the sweep. */
  start: () => Promise<void>
  stop: () => void
  /** Names kept now. */
  size: () => number
}

/** The record's end of validity (milliseconds since the epoch); the API server accepted only EOL records. */
function validUntil (record: Uint8Array): number {
  const { validity } = unmarshalIPNSRecord(record)
  // RFC 3339 with nanoseconds; Date reads the milliseconds and ignores the rest.
  const time = Date.parse(validity)
  if (Number.isNaN(time)) throw new Error(`the record's validity "${validity}" is not a date`)
  return time
}

export function ipnsRecords (init: IpnsRecordsInit): IpnsRecords {
  const { datastore } = init
  /** When each kept name (its datastore key) is to be dropped. */
  const dropAt = new Map<string, number>()
  /** The PUT under way for each name: two for one name run one after the other. */
  const putting = new Map<string, Promise<void>>()
  let sweeper: ReturnType<typeof setInterval> | undefined

  const recordKey = (routingKey: Uint8Array): Key => new Key(`${RECORD_PREFIX}${base32.encode(routingKey)}`)
  const receivedKey = (name: string): Key => new Key(`${RECEIVED_PREFIX}${name.slice(RECORD_PREFIX.length)}`)
  const dropTime = (record: Uint8Array, receivedAt: number): number => Math.min(validUntil(record), receivedAt + init.maxAgeMs)

  async function drop (name: string, why: string): Promise<void> {
    dropAt.delete(name)
    await datastore.delete(new Key(name))
    await datastore.delete(receivedKey(name))
    init.log({ event: 'ipns:dropped', key: name, why })
  }

  async function sweep (): Promise<void> {
    const now = Date.now()
    for (const [name, at] of [...dropAt]) {
      if (at <= now) await drop(name, 'expired')
    }
  }

  return {
    name: IPNS_RECORDS_ROUTER,

    async start (): Promise<void> {
      for await (const { key, value } of datastore.query({ prefix: RECORD_PREFIX })) {
        const name = key.toString()
        let receivedAt = Date.now()
        try {
          receivedAt = Number(new TextDecoder().decode(await datastore.get(receivedKey(name))))
        } catch {
          // Kept before arrival times were: counts from now.
          await datastore.put(receivedKey(name), new TextEncoder().encode(String(receivedAt)))
        }
        try {
          dropAt.set(name, dropTime(value, receivedAt))
        } catch (err) {
          await drop(name, (err as Error).message)
        }
      }
      await sweep()
      sweeper = setInterval(() => {
        sweep().catch(err => { init.log({ event: 'ipns:sweep-failed', message: (err as Error).message }) })
      }, init.sweepMs ?? DEFAULT_IPNS_SWEEP_MS)
      sweeper.unref()
      init.log({ event: 'ipns:records', names: dropAt.size, maxNames: init.maxNames })
    },

    stop (): void {
      clearInterval(sweeper)
    },

    size: () => dropAt.size,

    // No abort signal reaches the writes: the API server aborts when the
    // request closes, which Node.js signals as soon as the body has been read.
    async put (routingKey: Uint8Array, record: Uint8Array): Promise<void> {
      const key = recordKey(routingKey)
      const name = key.toString()
      const store = async (): Promise<void> => {
        const now = Date.now()
        if (!dropAt.has(name)) {
          if (dropAt.size >= init.maxNames) await sweep()
          if (dropAt.size >= init.maxNames) {
            throw new IpnsNameLimitError(`this node keeps at most ${init.maxNames} IPNS names (--ipns-max-names) and is full; names are dropped when their records expire or are not republished within ${init.maxAgeMs / 3_600_000} h`)
          }
        } else {
          const kept = await datastore.get(key)
          if (ipnsSelector(routingKey, [record, kept]) !== 0) return
        }
        // Claimed before the writes, so that concurrent new names cannot pass the cap together.
        dropAt.set(name, dropTime(record, now))
        await datastore.put(key, record)
        await datastore.put(receivedKey(name), new TextEncoder().encode(String(now)))
      }
      const previous = putting.get(name)
      const current = previous == null ? store() : previous.then(store, store)
      putting.set(name, current)
      try {
        await current
      } finally {
        if (putting.get(name) === current) putting.delete(name)
      }
    },

    async get (routingKey: Uint8Array, options?: AbortOptions): Promise<Uint8Array<ArrayBuffer>> {
      const key = recordKey(routingKey)
      const name = key.toString()
      const at = dropAt.get(name)
      if (at == null) throw new IpnsRecordNotFoundError('no IPNS record for this name here')
      if (at <= Date.now()) {
        await drop(name, 'expired')
        throw new IpnsRecordNotFoundError('the IPNS record for this name expired')
      }
      // A copy in a buffer of its own, as Routing.get promises.
      return new Uint8Array(await datastore.get(key, options))
    }
  }
}
