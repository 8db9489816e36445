export type RangeResult = { readonly start: number, readonly end: number } | 'unsatisfiable' | undefined

/**
 * One `bytes=` range of a body of `size` bytes (end inclusive). Multiple ranges and anything
 * malformed give undefined, which means "send the whole body", as RFC 9110 allows.
 */
export function parseByteRange (header: string, size: number): RangeResult {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (match === null) return undefined
  const [, first = '', last = ''] = match
  if (first === '' && last === '') return undefined
  if (first === '') {
    const suffix = Number(last)
    if (suffix === 0) return 'unsatisfiable'
    return { start: Math.max(0, size - suffix), end: size - 1 }
  }
  const start = Number(first)
  if (start >= size) return 'unsatisfiable'
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1)
  if (end < start) return undefined
  return { start, end }
}
