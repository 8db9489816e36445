import t from 'tap'
import { normalizeUrls } from '../../../internal/reporter/normalize-report.js'

t.test('one canonical form: no trailing slash, lower-case host; other fields are kept', async (t) => {
  t.same(normalizeUrls([{ url: 'http://LOCALHOST:8080/', healthy: true }], 'packagers'), [{ url: 'http://localhost:8080', healthy: true }])
})

t.test('a 400 naming the item for duplicates (after normalizing), credentials, queries, other schemes and overlong URLs', async (t) => {
  const refused = (items: Array<{ url: string }>, message: string): void => {
    t.throws(() => normalizeUrls(items, 'packagers'), { statusCode: 400, message }, message)
  }
  refused([{ url: 'http://a:1' }, { url: 'http://A:1/' }], 'body/packagers/1: http://a:1 is listed twice; list each once')
  refused([{ url: 'http://u:p@a:1' }], "body/packagers/0/url: 'http://u:p@a:1' must not carry credentials, a query or a fragment")
  refused([{ url: 'http://a:1/?q=1' }], "body/packagers/0/url: 'http://a:1/?q=1' must not carry credentials, a query or a fragment")
  refused([{ url: 'ftp://a' }], "body/packagers/0/url: 'ftp://a' is not an absolute http:// or https:// URL")
  // percent-encoding lengthens it past the bound only once normalized
  t.throws(() => normalizeUrls([{ url: `http://a/${' '.repeat(100)}x` }], 'edges'), { statusCode: 400, message: /^body\/edges\/0\/url: normalized to \d+ characters; at most 256$/ })
})

t.test('the duplicate key can be chosen by the caller', async (t) => {
  const items = [{ url: 'http://a:1', signal: 'x' }, { url: 'http://a:1', signal: 'y' }]
  t.equal(normalizeUrls(items, 'ingests', (i) => `${i.signal} ${i.url}`).length, 2, 'same URL, other signal: not a duplicate')
})
