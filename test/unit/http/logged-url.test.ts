import t from 'tap'
import { loggedUrl } from '../../../internal/http/logged-url.js'

t.test('the path is logged; of the query only that there was one', async (t) => {
  t.equal(loggedUrl('/live01/playlist.m3u8'), '/live01/playlist.m3u8')
  t.equal(loggedUrl('/live01/1.ts?exp=1&sig=abc'), '/live01/1.ts?[redacted]')
  t.equal(loggedUrl('/?'), '/?[redacted]')
})
