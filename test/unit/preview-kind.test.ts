import { describe, expect, it } from 'vitest'
import { previewKind, sniffKind } from '../../src/ui/preview-kind.ts'

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values)

describe('previewKind', () => {
  it('picks the preview from the extension, case-insensitively', () => {
    expect(previewKind('photo.JPG')).toEqual({ type: 'image', mime: 'image/jpeg' })
    expect(previewKind('song.mp3').type).toBe('audio')
    expect(previewKind('clip.webm').type).toBe('video')
    expect(previewKind('paper.pdf').type).toBe('pdf')
    expect(previewKind('archive.zip').type).toBe('none')
  })

  it('shows HTML and SVG as text, never as documents', () => {
    expect(previewKind('index.html').type).toBe('text')
    expect(previewKind('drawing.svg').type).toBe('text')
  })
})

describe('sniffKind', () => {
  const text = previewKind('bafy')
  it('recognises signatures whatever the name says', () => {
    expect(sniffKind(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a), text).type).toBe('image')
    expect(sniffKind(bytes(0x25, 0x50, 0x44, 0x46, 0x2d, 0x31), text).type).toBe('pdf')
    expect(sniffKind(bytes(0x1a, 0x45, 0xdf, 0xa3, 0x01), text).mime).toBe('video/webm')
    expect(sniffKind(bytes(0, 0, 0, 0x18, 0x66, 0x74, 0x79, 0x70), text).mime).toBe('video/mp4')
    expect(sniffKind(new TextEncoder().encode('RIFF\0\0\0\0WAVEfmt '), text).mime).toBe('audio/wav')
  })

  it('keeps text only when it holds no NUL byte', () => {
    expect(sniffKind(new TextEncoder().encode('hello\n'), text).type).toBe('text')
    expect(sniffKind(bytes(0x68, 0x00, 0x69), text).type).toBe('none')
  })

  it('does not match a signature longer than the bytes', () => {
    expect(sniffKind(bytes(0x89, 0x50), text).type).toBe('text')
  })
})
