import { describe, expect, it } from 'vitest'
import { DEFAULT_INITIAL_WANTS, DEFAULT_MAX_WANTS, WantWindow } from '../../src/lib/want-window.ts'

describe('WantWindow', () => {
  it('starts with a window right for 1 MiB blocks', () => {
    expect(new WantWindow().size()).toBe(DEFAULT_INITIAL_WANTS)
  })

  it('keeps the same bytes wanted whatever the block size', () => {
    const big = new WantWindow(16 * 1024 * 1024)
    big.addLeaf(1024 * 1024)
    expect(big.size()).toBe(16)
    const chunks = new WantWindow(16 * 1024 * 1024)
    chunks.addLeaf(256 * 1024)
    chunks.addLeaf(256 * 1024)
    expect(chunks.size()).toBe(64)
  })

  it('stays between the initial window and the most a sender keeps', () => {
    const tiny = new WantWindow()
    tiny.addLeaf(100)
    expect(tiny.size()).toBe(DEFAULT_MAX_WANTS)
    const huge = new WantWindow()
    huge.addLeaf(64 * 1024 * 1024)
    expect(huge.size()).toBe(DEFAULT_INITIAL_WANTS)
  })
})
