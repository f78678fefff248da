/**
 * The one way the gateway writes HTML (directory listings, error pages):
 * every value is escaped, and pages carry a style element but never a
 * script, so the strict content security policy below holds for them.
 */

/** Sent with every page the gateway generates: no script of any kind, no requests. */
export const GENERATED_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Escapes text for use in element content and in quoted attribute values. */
export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, c => ESCAPES[c])
}

/** Marks a string as already-escaped HTML for `html`. */
export class SafeHtml {
  constructor (readonly value: string) {}
  toString (): string { return this.value }
}

/** A template tag that escapes every interpolated value unless it is SafeHtml (or a list of them). */
export function html (strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0]
  values.forEach((value, i) => {
    const parts = Array.isArray(value) ? value : [value]
    out += parts.map(part => part instanceof SafeHtml ? part.value : escapeHtml(String(part ?? ''))).join('')
    out += strings[i + 1]
  })
  return new SafeHtml(out)
}

const STYLE = `
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f8f5;color:#10241a}
main{max-width:56rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.3rem;word-break:break-all}
table{border-collapse:collapse;width:100%;background:#fff}
td,th{padding:.35rem .6rem;border-bottom:1px solid #dde5dd;text-align:left}
td.size{text-align:right;white-space:nowrap}
td.cid{font:12px ui-monospace,monospace;color:#557;word-break:break-all}
.note{color:#445}
footer{margin-top:2rem;font-size:.85rem;color:#667}
`

/** A whole document around `body`. */
export function htmlPage (title: string, body: SafeHtml): string {
  return `<!doctype html>${html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title><style>${new SafeHtml(STYLE)}</style></head><body><main>${body}</main></body></html>`.value}`
}
