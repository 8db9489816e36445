/** The counters of nginx `stub_status`. */
export interface StubStatus {
  readonly active: number
  readonly accepts: number
  readonly handled: number
  /** Requests since the nginx master started, the ones reading this page included. */
  readonly requests: number
  readonly reading: number
  readonly writing: number
  readonly waiting: number
}

const STUB_STATUS = /^Active connections:\s*(\d+)\s*\nserver accepts handled requests\s*\n\s*(\d+)\s+(\d+)\s+(\d+)\s*\nReading:\s*(\d+)\s+Writing:\s*(\d+)\s+Waiting:\s*(\d+)\s*$/

/** Pure: parses a stub_status page; undefined for anything else (an error page, a proxy's answer). */
export function parseStubStatus (text: string): StubStatus | undefined {
  const match = STUB_STATUS.exec(text.replace(/\r\n/g, '\n').trim())
  if (match === null) return undefined
  const n = match.slice(1).map(Number)
  if (n.some((v) => !Number.isSafeInteger(v))) return undefined
  const [active, accepts, handled, requests, reading, writing, waiting] = n as [number, number, number, number, number, number, number]
  return { active, accepts, handled, requests, reading, writing, waiting }
}
