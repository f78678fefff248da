/** Words for people, from errors matched by name. */
export function describeError (err: unknown): string {
  const e = err as { name?: string, message?: string }
  switch (e?.name) {
    case 'AbortError': return 'Cancelled.'
    case 'NodeGoneError': return `${e.message ?? 'The node stopped.'}`
    case 'TimeoutError':
    case 'QuotaExceededError':
    case 'SizeLimitError':
    case 'InvalidCidError':
    case 'InvalidConfigError':
    case 'InvalidAddressError':
    case 'DialFailedError':
    case 'InvalidShareLinkError':
    case 'NotFoundError':
      return e.message ?? e.name
    default:
      return `Something went wrong: ${e?.message ?? String(err)}`
  }
}
