import t from 'tap'
import fc from 'fast-check'
import { errors as undiciErrors } from 'undici'
import { failureForError, failureForStatus, UPSTREAM_FAILURES, type UpstreamFailure } from '../../../internal/http/upstream-failure.js'

// every error class undici exports, by its stable code, and the one failure it stands for
const UNDICI: Readonly<Record<string, UpstreamFailure>> = {
  AbortError: 'timeout',
  HTTPParserError: 'malformed',
  UndiciError: 'error',
  HeadersTimeoutError: 'timeout',
  HeadersOverflowError: 'too_large',
  BodyTimeoutError: 'timeout',
  RequestContentLengthMismatchError: 'error',
  ConnectTimeoutError: 'timeout',
  InvalidArgumentError: 'error',
  InvalidReturnValueError: 'error',
  RequestAbortedError: 'timeout',
  ClientDestroyedError: 'error',
  ClientClosedError: 'reset',
  InformationalError: 'error',
  SocketError: 'reset',
  NotSupportedError: 'error',
  ResponseContentLengthMismatchError: 'malformed',
  BalancedPoolMissingUpstreamError: 'error',
  ResponseExceededMaxSizeError: 'too_large',
  // these two carry the status that ended the request: 503 here
  RequestRetryError: 'http_5xx',
  ResponseError: 'http_5xx',
  SecureProxyConnectionError: 'error',
  MaxOriginsReachedError: 'error',
  Socks5ProxyError: 'error',
  MessageSizeExceededError: 'error'
}

function make (name: string, E: new (...args: never[]) => Error): Error {
  const Ctor = E as unknown as new (...args: unknown[]) => Error
  if (name === 'RequestRetryError') return new Ctor('retry', 503, { headers: {}, data: {} })
  if (name === 'ResponseError') return new Ctor('response', 503, { headers: {}, body: '' })
  return new Ctor('m')
}

t.test('every error class undici exports maps to one stable code', async (t) => {
  const exported = Object.keys(undiciErrors).sort()
  t.same(exported, Object.keys(UNDICI).sort(), 'the table above lists every class this undici exports (a new one must be placed)')
  for (const [name, E] of Object.entries(undiciErrors)) {
    const err = make(name, E as new (...args: never[]) => Error)
    t.equal(failureForError(err), UNDICI[name], `${name} (${String((err as { code?: unknown }).code)})`)
  }
})

t.test('Node socket, DNS and abort errors map by code and name', async (t) => {
  const coded = (code: string): Error => Object.assign(new Error('x'), { code })
  const cases: Array<[unknown, UpstreamFailure]> = [
    [coded('ECONNREFUSED'), 'refused'],
    [coded('ECONNRESET'), 'reset'],
    [coded('EPIPE'), 'reset'],
    [coded('ETIMEDOUT'), 'timeout'],
    [coded('ENOTFOUND'), 'dns'],
    [coded('EAI_AGAIN'), 'dns'],
    [coded('HPE_INVALID_CONSTANT'), 'malformed'],
    [coded('EWHATEVER'), 'error'],
    [Object.assign(new Error('aborted'), { name: 'AbortError', code: 'ABORT_ERR' }), 'timeout'],
    [new DOMException('deadline', 'TimeoutError'), 'timeout'],
    [new DOMException('aborted', 'AbortError'), 'timeout'],
    [new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')]), 'refused'],
    [new AggregateError([coded('ECONNREFUSED'), coded('UND_ERR_CONNECT_TIMEOUT')]), 'timeout'],
    [new AggregateError([]), 'error'],
    ['a string', 'error'],
    [undefined, 'error'],
    [null, 'error']
  ]
  for (const [err, expected] of cases) t.equal(failureForError(err), expected, String((err as Error | undefined)?.message ?? err))
})

t.test('every status maps to exactly one code by its class', async (t) => {
  t.equal(failureForStatus(404), 'http_404')
  t.equal(failureForStatus(403), 'http_4xx')
  t.equal(failureForStatus(500), 'http_5xx')
  t.equal(failureForStatus(302), 'http_other')
  t.equal(failureForStatus(204), 'http_other')
  fc.assert(fc.property(fc.integer({ min: 100, max: 599 }), (status) => {
    const failure = failureForStatus(status)
    const expected = status === 404 ? 'http_404' : status >= 500 ? 'http_5xx' : status >= 400 ? 'http_4xx' : 'http_other'
    return failure === expected && UPSTREAM_FAILURES.includes(failure)
  }))
})

t.test('the vocabulary is one spelling: lower case words joined by underscores, each once', async (t) => {
  t.equal(new Set(UPSTREAM_FAILURES).size, UPSTREAM_FAILURES.length)
  for (const code of UPSTREAM_FAILURES) t.match(code, /^[a-z0-9]+(_[a-z0-9]+)*$/, code)
})

t.test('whatever is thrown, the answer is one of the codes', async (t) => {
  fc.assert(fc.property(fc.record({ code: fc.option(fc.string()), name: fc.option(fc.string()), statusCode: fc.option(fc.integer()) }), (fields) => {
    return (UPSTREAM_FAILURES as readonly string[]).includes(failureForError(Object.assign(new Error('x'), fields)))
  }))
})
