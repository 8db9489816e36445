import t from 'tap'
import { parseSrtListeners } from '../../../internal/ingest/srt-listener-spec.js'

t.test('INGEST_SRT: one port per push stream and role', async (t) => {
  t.same(parseSrtListeners(undefined), [], 'unset: no SRT')
  t.same(parseSrtListeners(' '), [], 'empty: no SRT')
  t.same(parseSrtListeners('live01:10080, live01:10081:backup,stage-2:10082:main'), [
    { stream: 'live01', port: 10080, role: 'main' },
    { stream: 'live01', port: 10081, role: 'backup' },
    { stream: 'stage-2', port: 10082, role: 'main' }
  ], 'the role defaults to main')
})

t.test('INGEST_SRT: a bad entry is refused in one line naming it', async (t) => {
  for (const bad of ['live01', 'live01:', 'live01:0', 'live01:65536', 'live01:10080:standby', '../x:10080', 'live01:10080:main:x', 'live01:1e4']) {
    t.throws(() => parseSrtListeners(bad), { message: new RegExp(`INGEST_SRT.*'${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}' must be <stream>:<port>\\[:backup\\]`) }, `'${bad}'`)
  }
  t.throws(() => parseSrtListeners('a:10080,b:10080'), /port 10080 is given twice/, 'one port takes one stream')
  t.throws(() => parseSrtListeners('a:10080,a:10081'), /a \(main\) is given twice/, 'one stream and role takes one port')
})
