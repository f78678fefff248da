/**
 * bench/RESULTS.md: one `## ` section per benchmark. A run replaces its own section and leaves the
 * others as they are, so benchmarks can be run and recorded one at a time.
 */
import { readFile, writeFile } from 'node:fs/promises'

const PREAMBLE = `# Benchmarks

Measured by \`npm run bench\` (bench/run.js), which builds the app and the benchmark pages, runs
every benchmark in headless Chromium and rewrites its section here; the other sections are left
alone. Absolute figures drift on the shared machines; compare the ratios, which are measured side by
side in the same run (DESIGN.md §8). Each section says how it was measured.
`

/**
 * Writes `body` under `## heading`, replacing that section if it exists, appending it otherwise.
 * @param {string} file
 * @param {string} heading without the leading `## `
 * @param {string} body the section's text, without its heading
 */
export async function writeSection (file, heading, body) {
  let text
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if (/** @type {NodeJS.ErrnoException} */ (err).code !== 'ENOENT') throw err
    text = PREAMBLE
  }
  const section = `## ${heading}\n\n${body.trim()}\n`
  const lines = text.split('\n')
  const start = lines.findIndex(line => line.trim() === `## ${heading}`)
  if (start === -1) {
    text = `${text.trimEnd()}\n\n${section}`
  } else {
    let end = lines.findIndex((line, i) => i > start && /^## /.test(line))
    if (end === -1) end = lines.length
    const before = lines.slice(0, start).join('\n').trimEnd()
    const after = lines.slice(end).join('\n').trim()
    text = `${before}\n\n${section}${after === '' ? '' : `\n${after}\n`}`
  }
  await writeFile(file, text)
}

/**
 * Re-wraps the prose paragraphs of `text` (separated by blank lines) at `width` columns; tables
 * (paragraphs starting with `|`) and lists stay as they are.
 * @param {string} text
 * @param {number} [width]
 */
export function reflow (text, width = 100) {
  return text.trim().split(/\n\s*\n/).map((paragraph) => {
    if (/^\s*([|*-]|\d+\.)\s/.test(paragraph)) return paragraph
    const lines = []
    let line = ''
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line !== '' && line.length + 1 + word.length > width) {
        lines.push(line)
        line = word
      } else {
        line = line === '' ? word : `${line} ${word}`
      }
    }
    if (line !== '') lines.push(line)
    return lines.join('\n')
  }).join('\n\n')
}

/** @param {number[]} values */
export function median (values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/**
 * A Markdown table; also readable as plain text on a terminal.
 * @param {string[]} header
 * @param {string[][]} rows
 * @param {Array<'l' | 'r'>} align
 */
export function table (header, rows, align) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i].length)))
  const cell = (/** @type {string} */ text, /** @type {number} */ i) =>
    align[i] === 'r' ? text.padStart(widths[i]) : text.padEnd(widths[i])
  const line = (/** @type {string[]} */ cells) => `| ${cells.map(cell).join(' | ')} |`
  const rule = `|${widths.map((w, i) => align[i] === 'r' ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2)).join('|')}|`
  return [line(header), rule, ...rows.map(line)].join('\n')
}
