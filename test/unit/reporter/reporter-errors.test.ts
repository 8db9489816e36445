import t from 'tap'
import { ReporterErrors } from '../../../internal/reporter/reporter-errors.js'

t.test('every reporter error code is unique, prefixed and has a 4xx/5xx status', async (t) => {
  const codes = Object.values(ReporterErrors).map((E) => new E('a', 'b').code)
  t.equal(new Set(codes).size, codes.length)
  for (const E of Object.values(ReporterErrors)) {
    const err = new E('a', 'b')
    t.match(err.code, /^REPORTER_ERR_[A-Z_]+$/)
    t.ok(err.statusCode !== undefined && err.statusCode >= 400, err.code)
  }
})
