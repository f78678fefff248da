/**
 * The circuit relay transport, watched: which relays hold a slot for this
 * node and until when. libp2p shows the resulting /p2p-circuit addresses but
 * not the reservations behind them, so the transport's reservation store
 * (a public field of the transport class, not of its factory's type) is
 * listened to here.
 */
import { circuitRelayTransport } from '@libp2p/circuit-relay-v2'
import type { RelayReservation } from '../lib/protocol.ts'

type TransportFactory = ReturnType<typeof circuitRelayTransport>

interface ReservationEvent {
  detail: { relay: { toString: () => string }, details: { reservation: { expire: bigint } } }
}

interface WatchableStore {
  addEventListener: (type: 'relay:created-reservation' | 'relay:removed', listener: (event: ReservationEvent) => void) => void
}

export class RelayReservations {
  private readonly byRelay = new Map<string, RelayReservation>()

  constructor (private readonly onChange: () => void) {}

  /** The circuit relay transport for libp2p's transports list. */
  transport (): TransportFactory {
    const create = circuitRelayTransport()
    return components => {
      const transport = create(components)
      const store = (transport as unknown as { reservationStore?: WatchableStore }).reservationStore
      store?.addEventListener('relay:created-reservation', event => {
        const relay = event.detail.relay.toString()
        this.byRelay.set(relay, {
          relay,
          // The relay states the expiry in seconds since the epoch; libp2p refreshes before it.
          expires: Number(event.detail.details.reservation.expire) * 1000,
          reserved: Date.now()
        })
        this.onChange()
      })
      store?.addEventListener('relay:removed', event => {
        this.byRelay.delete(event.detail.relay.toString())
        this.onChange()
      })
      return transport
    }
  }

  list (): RelayReservation[] {
    return [...this.byRelay.values()]
  }
}
