/**
 * A Helia router that keeps the IPNS records published to this node's
 * delegated routing API (PUT /routing/v1/ipns/{name}, validated by the API
 * server first) and hands them out again (GET). The DHT alone cannot: with no
 * other DHT servers around, its get finds nobody to ask. Of two records for
 * one name, the one the IPNS rules prefer is kept (higher sequence, later
 * validity).
 */
import { Key, type Datastore } from 'interface-datastore'
import { ipnsSelector } from 'ipns/selector'
import { base32 } from 'multiformats/bases/base32'
import type { Routing } from '@helia/interface'

export const IPNS_RECORDS_ROUTER = 'pollen-infra-ipns-records'

function storeKey (routingKey: Uint8Array): Key {
  return new Key(`/pollen-infra/ipns/${base32.encode(routingKey)}`)
}

export function ipnsRecords (datastore: Datastore): Partial<Routing> & { name: string } {
  return {
    name: IPNS_RECORDS_ROUTER,
    async put (routingKey: Uint8Array, record: Uint8Array): Promise<void> {
      const key = storeKey(routingKey)
      if (await datastore.has(key)) {
        const kept = await datastore.get(key)
        if (ipnsSelector(routingKey, [record, kept]) !== 0) return
      }
      await datastore.put(key, record)
    },
    async get (routingKey: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
      // A copy in a buffer of its own, as Routing.get promises.
      return new Uint8Array(await datastore.get(storeKey(routingKey)))
    }
  }
}
