import t from 'tap'
import { EdgesErrors } from '../../../internal/edges/edges-errors.js'

t.test('every edges error code is unique, prefixed and has a 4xx/5xx status', async (t) => {
  const codes = Object.values(EdgesErrors).map((E) => new E('a', 1).code)
  t.equal(new Set(codes).size, codes.length)
  for (const E of Object.values(EdgesErrors)) {
    const err = new E('a', 1)
    t.match(err.code, /^EDGES_ERR_[A-Z_]+$/)
    t.ok(err.statusCode !== undefined && err.statusCode >= 400, err.code)
  }
})
