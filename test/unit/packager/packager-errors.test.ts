import t from 'tap'
import { PackagerErrors } from '../../../internal/packager/packager-errors.js'

t.test('every packager error code is unique, prefixed and has a 4xx/5xx status', async (t) => {
  const codes = new Set<string>()
  for (const [name, ErrorClass] of Object.entries(PackagerErrors)) {
    const err = new ErrorClass('x', 'y')
    t.match(err.code, /^PACKAGER_ERR_[A-Z_]+$/, name)
    t.notOk(codes.has(err.code), `${err.code} is unique`)
    codes.add(err.code)
    t.ok(err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 600, `${name} has an HTTP status`)
  }
})
