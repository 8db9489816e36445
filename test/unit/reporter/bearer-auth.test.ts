import t from 'tap'
import { bearerMatches } from '../../../internal/reporter/bearer-auth.js'

t.test('only "Bearer <the token>" matches', async (t) => {
  t.ok(bearerMatches('Bearer secret-token', 'secret-token'))
  t.ok(bearerMatches('bearer   secret-token ', 'secret-token'), 'scheme case and spacing as RFC 6750 readers allow')
  for (const header of [undefined, '', 'secret-token', 'Bearer', 'Bearer wrong', 'Bearer secret-token2', 'Basic secret-token', 'Bearer secret token']) {
    t.notOk(bearerMatches(header, 'secret-token'), String(header))
  }
})
