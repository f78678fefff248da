import { describe, expect, it } from 'vitest'
import { formatBytes, formatDuration, formatRate } from '../../src/lib/format.ts'

const KiB = 1024
const MiB = 1024 * KiB
const GiB = 1024 * MiB
const TiB = 1024 * GiB

describe('formatBytes', () => {
  it('shows whole bytes below 1 KiB', () => {
    expect(formatBytes(0)).toBe('0 B')
    expect(formatBytes(1)).toBe('1 B')
    expect(formatBytes(1023)).toBe('1023 B')
  })

  it('rounds fractional bytes to whole bytes', () => {
    expect(formatBytes(0.4)).toBe('0 B')
    expect(formatBytes(12.6)).toBe('13 B')
  })

  it('uses two decimals below 10, one below 100, none from 100', () => {
    expect(formatBytes(KiB)).toBe('1.00 KiB')
    expect(formatBytes(1.5 * KiB)).toBe('1.50 KiB')
    expect(formatBytes(10 * KiB)).toBe('10.0 KiB')
    expect(formatBytes(99.5 * KiB)).toBe('99.5 KiB')
    expect(formatBytes(100 * KiB)).toBe('100 KiB')
    expect(formatBytes(1023 * KiB)).toBe('1023 KiB')
  })

  it('uses binary units up to TiB', () => {
    expect(formatBytes(MiB)).toBe('1.00 MiB')
    expect(formatBytes(2.25 * GiB)).toBe('2.25 GiB')
    expect(formatBytes(TiB)).toBe('1.00 TiB')
    expect(formatBytes(512 * TiB)).toBe('512 TiB')
  })

  it('stays in TiB for very large values', () => {
    expect(formatBytes(1024 * TiB)).toBe('1024 TiB')
    expect(formatBytes(2 ** 60)).toBe('1048576 TiB')
    expect(formatBytes(Number.MAX_SAFE_INTEGER)).toBe('8192 TiB')
  })

  it('returns a dash for negative, NaN and infinite values', () => {
    for (const v of [-1, -0.001, -KiB, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(formatBytes(v)).toBe('–')
    }
  })

  it('treats negative zero as zero', () => {
    expect(formatBytes(-0)).toBe('0 B')
  })

  // KNOWN QUIRK (see report): the unit is chosen before rounding, so a value just
  // below a unit boundary rounds up to "1024" of the smaller unit.
  it('never shows 1024 of a unit below TiB', () => {
    expect(formatBytes(MiB - 1)).toBe('1.00 MiB')
  })
})

describe('formatRate', () => {
  it('appends /s to a formatted size', () => {
    expect(formatRate(0)).toBe('0 B/s')
    expect(formatRate(512)).toBe('512 B/s')
    expect(formatRate(1.5 * MiB)).toBe('1.50 MiB/s')
    expect(formatRate(135 * MiB)).toBe('135 MiB/s')
    expect(formatRate(2 ** 60)).toBe('1048576 TiB/s')
  })

  it('shows a dash for a rate that cannot be known', () => {
    expect(formatRate(Number.NaN)).toBe('–/s')
    expect(formatRate(-1)).toBe('–/s')
    expect(formatRate(Number.POSITIVE_INFINITY)).toBe('–/s')
  })
})

describe('formatDuration', () => {
  it('shows seconds below a minute, rounded', () => {
    expect(formatDuration(0)).toBe('0 s')
    expect(formatDuration(0.4)).toBe('0 s')
    expect(formatDuration(0.5)).toBe('1 s')
    expect(formatDuration(59)).toBe('59 s')
    expect(formatDuration(59.4)).toBe('59 s')
  })

  it('rounds up into minutes', () => {
    expect(formatDuration(59.5)).toBe('1 min 0 s')
  })

  it('shows minutes and seconds below an hour', () => {
    expect(formatDuration(60)).toBe('1 min 0 s')
    expect(formatDuration(61)).toBe('1 min 1 s')
    expect(formatDuration(125)).toBe('2 min 5 s')
    expect(formatDuration(3599)).toBe('59 min 59 s')
  })

  it('shows hours and minutes from an hour, dropping seconds', () => {
    expect(formatDuration(3600)).toBe('1 h 0 min')
    expect(formatDuration(3659)).toBe('1 h 0 min')
    expect(formatDuration(3660)).toBe('1 h 1 min')
    expect(formatDuration(7322)).toBe('2 h 2 min')
  })

  it('keeps counting hours for long durations', () => {
    expect(formatDuration(48 * 3600)).toBe('48 h 0 min')
    expect(formatDuration(1e9)).toBe('277777 h 46 min')
  })

  it('returns a dash for negative, NaN and infinite values', () => {
    for (const v of [-1, -0.1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(formatDuration(v)).toBe('–')
    }
  })

  it('treats negative zero as zero', () => {
    expect(formatDuration(-0)).toBe('0 s')
  })
})
