/**
 * Asks preload nodes to fetch what was just added (Kubo RPC `refs -r`): the
 * node pulls the blocks from us over bitswap, so the content stays reachable
 * after this tab is gone. The answer streams one JSON line per reference and
 * ends when the whole DAG is there; a line with `Err` means it failed.
 */
export const DEFAULT_PRELOAD_TIMEOUT_MS = 5 * 60 * 1000

export async function preload (node: string, cid: string, signal?: AbortSignal): Promise<void> {
  const url = new URL('/api/v0/refs', node)
  url.searchParams.set('r', 'true')
  url.searchParams.set('arg', cid)
  const response = await fetch(url, { method: 'POST', signal: AbortSignal.any([signal ?? new AbortController().signal, AbortSignal.timeout(DEFAULT_PRELOAD_TIMEOUT_MS)]) })
  if (!response.ok) throw new Error(`${node} answered ${response.status} ${await response.text().catch(() => '')}`.trim())
  if (response.body == null) return
  let buffered = ''
  const decoder = new TextDecoder()
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true })
    const lines = buffered.split('\n')
    buffered = lines.pop() ?? ''
    for (const line of lines) {
      if (line.trim() === '') continue
      const ref = JSON.parse(line) as { Ref?: string, Err?: string }
      if (ref.Err != null && ref.Err !== '') throw new Error(ref.Err)
    }
  }
}
