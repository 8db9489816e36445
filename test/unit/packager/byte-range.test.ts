import t from 'tap'
import { parseByteRange } from '../../../internal/packager/byte-range.js'

t.test('single ranges, suffixes, open ends, unsatisfiable, ignored forms', async (t) => {
  t.same(parseByteRange('bytes=0-9', 100), { start: 0, end: 9 })
  t.same(parseByteRange('bytes=90-', 100), { start: 90, end: 99 })
  t.same(parseByteRange('bytes=90-200', 100), { start: 90, end: 99 })
  t.same(parseByteRange('bytes=-10', 100), { start: 90, end: 99 })
  t.same(parseByteRange('bytes=-500', 100), { start: 0, end: 99 })
  t.equal(parseByteRange('bytes=100-', 100), 'unsatisfiable')
  t.equal(parseByteRange('bytes=-0', 100), 'unsatisfiable')
  t.equal(parseByteRange('bytes=5-2', 100), undefined)
  t.equal(parseByteRange('bytes=0-1,5-6', 100), undefined)
  t.equal(parseByteRange('items=0-1', 100), undefined)
  t.equal(parseByteRange('bytes=-', 100), undefined)
})
