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
