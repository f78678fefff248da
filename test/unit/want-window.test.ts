import { describe, expect, it } from 'vitest'
import { DEFAULT_INITIAL_WANTS, DEFAULT_MAX_WANTED_BYTES, DEFAULT_MAX_WANTS, DEFAULT_MIN_WANTED_BYTES, DEFAULT_TARGET_WAIT_MS, WantWindow } from '../../src/lib/want-window.ts'

const MiB = 1024 * 1024

/** A window that saw `count` leaves of `size` bytes arrive at `bytesPerMs`. */
function windowAfter (count: number, size: number, bytesPerMs: number): WantWindow {
  const window = new WantWindow()
  for (let i = 0; i < count; i++) window.addLeaf(size, i * size / bytesPerMs)
  return window
}

describe('WantWindow', () => {
  it('starts with a window right for 1 MiB blocks', () => {
    expect(new WantWindow().size()).toBe(DEFAULT_INITIAL_WANTS)
  })

  it('keeps what arrives in the target wait on its way, in bytes whatever the block size', () => {
    // 20 MiB/s: 10 MiB in half a second.
    const rate = 20 * MiB / 1000
    expect(DEFAULT_TARGET_WAIT_MS).toBe(500)
    expect(windowAfter(8, MiB, rate).size()).toBe(10)
    expect(windowAfter(8, MiB / 4, rate).size()).toBe(40)
  })

  it('wants at least enough for the sender to read ahead, and not more than the most', () => {
    expect(windowAfter(8, MiB, 1 * MiB / 1000).size()).toBe(DEFAULT_MIN_WANTED_BYTES / MiB)
    expect(windowAfter(8, MiB, 1000 * MiB / 1000).size()).toBe(DEFAULT_MAX_WANTED_BYTES / MiB)
    // One leaf tells the size but not yet the rate.
    expect(windowAfter(1, MiB, 1).size()).toBe(DEFAULT_MIN_WANTED_BYTES / MiB)
  })

  it('follows the recent rate', () => {
    const window = windowAfter(16, MiB, 40 * MiB / 1000)
    expect(window.size()).toBe(20)
    // The link slows to 10 MiB/s for the next 16 leaves.
    for (let i = 1; i <= 16; i++) window.addLeaf(MiB, 16 * MiB / (40 * MiB / 1000) + i * 100)
    expect(window.size()).toBe(5)
  })

  it('never wants more blocks than a sender keeps', () => {
    expect(windowAfter(8, 100, 1000 * MiB / 1000).size()).toBe(DEFAULT_MAX_WANTS)
  })
})
