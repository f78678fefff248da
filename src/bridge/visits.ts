/**
 * Counts a page's visits per URL in this tab's sessionStorage: how the boot
 * document tells a reload that does not help, and content that keeps
 * leaving the frame that holds it, from an ordinary visit.
 */

/** Records a visit of `url` under `key`; returns how many came before it within `windowMs`. */
export function countVisit (key: string, url: string, windowMs: number): number {
  const now = Date.now()
  const visits = (JSON.parse(sessionStorage.getItem(key) ?? '{}') as Record<string, number[]>)
  const recent = (visits[url] ?? []).filter(t => now - t < windowMs)
  visits[url] = [...recent, now]
  sessionStorage.setItem(key, JSON.stringify(visits))
  return recent.length
}
