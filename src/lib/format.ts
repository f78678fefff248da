/** Human-readable sizes, rates and durations for progress displays. */

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB']

export function formatBytes (bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '–'
  let value = bytes
  let unit = 0
  const digitsFor = (v: number): number => unit === 0 || v >= 100 ? 0 : v >= 10 ? 1 : 2
  // Compare the rounded value, so 1048575 B reads 1.00 MiB rather than 1024 KiB.
  while (unit < UNITS.length - 1 && Number(value.toFixed(digitsFor(value))) >= 1024) {
    value /= 1024
    unit++
  }
  return `${value.toFixed(digitsFor(value))} ${UNITS[unit]}`
}

export function formatRate (bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`
}

export function formatDuration (seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–'
  const s = Math.round(seconds)
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m} min ${s % 60} s`
  return `${Math.floor(m / 60)} h ${m % 60} min`
}
