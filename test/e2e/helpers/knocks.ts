/**
 * TCP ports that record every connection made to them and hang up at once: a
 * "sharer" whose addresses show exactly which ones a browser dialled, and when.
 */
import { createServer, type Server } from 'node:net'

export interface KnockCounter {
  ports: number[]
  /** Ports someone connected to, ascending. */
  knocked: () => number[]
  close: () => Promise<void>
}

export async function listenForKnocks (count: number): Promise<KnockCounter> {
  const knocked = new Set<number>()
  const servers: Server[] = []
  const ports: number[] = []
  for (let i = 0; i < count; i++) {
    const server = createServer(socket => {
      knocked.add((server.address() as { port: number }).port)
      socket.destroy()
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', resolve)
    })
    servers.push(server)
    ports.push((server.address() as { port: number }).port)
  }
  return {
    ports,
    knocked: () => [...knocked].sort((a, b) => a - b),
    close: async () => { await Promise.all(servers.map(async server => { await new Promise(resolve => server.close(resolve)) })) }
  }
}
