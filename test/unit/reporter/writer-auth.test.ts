import t from 'tap'
import { authorizeWrite } from '../../../internal/reporter/writer-auth.js'
import { strictTypeError } from '../../../internal/reporter/strict-body-types.js'
import { EdgeReportSchema } from '../../../internal/reporter/report-schema.js'

const TOKENS = { discovery: 'discovery-token', edges: 'edges-token-1' }
const bearer = (token: string): string => `Bearer ${token}`

t.test('each route opens only to its own role; another role is 403, anything else 401', async (t) => {
  t.same(authorizeWrite(bearer('discovery-token'), TOKENS, 'ingests'), { ok: true })
  t.same(authorizeWrite(bearer('edges-token-1'), TOKENS, 'edges'), { ok: true })
  t.same(authorizeWrite(bearer('discovery-token'), TOKENS, 'edges'), { ok: false, status: 403, role: 'discovery' })
  t.same(authorizeWrite(bearer('edges-token-1'), TOKENS, 'ingests'), { ok: false, status: 403, role: 'edges' })
  t.same(authorizeWrite(bearer('edges-token-'), TOKENS, 'edges'), { ok: false, status: 401 })
  t.same(authorizeWrite(undefined, TOKENS, 'ingests'), { ok: false, status: 401 })
  t.same(authorizeWrite(undefined, undefined, 'edges'), { ok: true }, 'token-less mode (loopback only)')
  const shared = { discovery: 'shared-token', edges: 'shared-token' }
  t.same(authorizeWrite(bearer('shared-token'), shared, 'edges'), { ok: true }, 'the legacy shared token opens both')
  t.same(authorizeWrite(bearer('shared-token'), shared, 'ingests'), { ok: true })
})

t.test('strict types: the first wrong JSON type, in the validator words; right types pass', async (t) => {
  const edge = { id: 'e', url: 'http://a', load_rps: 1 }
  t.equal(strictTypeError(EdgeReportSchema, { edges: [edge] }), undefined)
  t.equal(strictTypeError(EdgeReportSchema, { edges: [edge, { ...edge, load_rps: '1' }] }), 'body/edges/1/load_rps must be number')
  t.equal(strictTypeError(EdgeReportSchema, { edges: [edge], ttl_ms: 1.5 }), 'body/ttl_ms must be integer')
  t.equal(strictTypeError(EdgeReportSchema, 'text'), 'body must be object')
  t.equal(strictTypeError(EdgeReportSchema, { edges: {} }), 'body/edges must be array')
  t.equal(strictTypeError(EdgeReportSchema, {}), undefined, 'missing fields are left to the validator')
})
