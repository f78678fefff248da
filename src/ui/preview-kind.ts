/**
 * Which preview suits a file, from its name. HTML and SVG documents are shown
 * as text, never rendered: they could run script with the app's origin.
 */
export interface PreviewKind {
  type: 'image' | 'audio' | 'video' | 'pdf' | 'text' | 'none'
  mime: string
}

const BY_EXTENSION: Record<string, PreviewKind> = {
  png: { type: 'image', mime: 'image/png' },
  jpg: { type: 'image', mime: 'image/jpeg' },
  jpeg: { type: 'image', mime: 'image/jpeg' },
  gif: { type: 'image', mime: 'image/gif' },
  webp: { type: 'image', mime: 'image/webp' },
  avif: { type: 'image', mime: 'image/avif' },
  mp3: { type: 'audio', mime: 'audio/mpeg' },
  ogg: { type: 'audio', mime: 'audio/ogg' },
  wav: { type: 'audio', mime: 'audio/wav' },
  flac: { type: 'audio', mime: 'audio/flac' },
  mp4: { type: 'video', mime: 'video/mp4' },
  webm: { type: 'video', mime: 'video/webm' },
  pdf: { type: 'pdf', mime: 'application/pdf' }
}

const TEXT_EXTENSIONS = new Set(['txt', 'md', 'json', 'csv', 'log', 'xml', 'yaml', 'yml', 'toml', 'js', 'ts', 'css', 'html', 'htm', 'svg', 'py', 'rs', 'go', 'c', 'h', 'sh'])

export function previewKind (name: string): PreviewKind {
  const ext = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1).toLowerCase() : ''
  return BY_EXTENSION[ext] ?? (TEXT_EXTENSIONS.has(ext) || ext === '' ? { type: 'text', mime: 'text/plain' } : { type: 'none', mime: 'application/octet-stream' })
}

/** File signatures, for content opened by CID alone (no name to go by). */
const SIGNATURES: Array<{ bytes: Array<number | null>, kind: PreviewKind }> = [
  { bytes: [0x89, 0x50, 0x4e, 0x47], kind: BY_EXTENSION.png },
  { bytes: [0xff, 0xd8, 0xff], kind: BY_EXTENSION.jpg },
  { bytes: [0x47, 0x49, 0x46, 0x38], kind: BY_EXTENSION.gif },
  { bytes: [0x52, 0x49, 0x46, 0x46, null, null, null, null, 0x57, 0x45, 0x42, 0x50], kind: BY_EXTENSION.webp },
  { bytes: [0x52, 0x49, 0x46, 0x46, null, null, null, null, 0x57, 0x41, 0x56, 0x45], kind: BY_EXTENSION.wav },
  { bytes: [0x25, 0x50, 0x44, 0x46, 0x2d], kind: BY_EXTENSION.pdf },
  { bytes: [0x1a, 0x45, 0xdf, 0xa3], kind: BY_EXTENSION.webm },
  { bytes: [null, null, null, null, 0x66, 0x74, 0x79, 0x70], kind: BY_EXTENSION.mp4 },
  { bytes: [0x4f, 0x67, 0x67, 0x53], kind: BY_EXTENSION.ogg },
  { bytes: [0x49, 0x44, 0x33], kind: BY_EXTENSION.mp3 },
  { bytes: [0x66, 0x4c, 0x61, 0x43], kind: BY_EXTENSION.flac }
]

/** Refines a name-based guess from the first bytes: signatures win, and text must hold no NUL byte. */
export function sniffKind (head: Uint8Array, guess: PreviewKind): PreviewKind {
  const match = SIGNATURES.find(s => s.bytes.length <= head.length && s.bytes.every((b, i) => b === null || head[i] === b))
  if (match != null) return match.kind
  if (guess.type === 'text' && head.includes(0)) return { type: 'none', mime: 'application/octet-stream' }
  return guess
}
