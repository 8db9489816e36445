import t from 'tap'
import { parseFleetPackagers } from '../../../internal/discovery/fleet-packagers.js'

t.test('each assigned stream is probed on the packagers of its workers', async (t) => {
  const view = parseFleetPackagers([
    { id: 'w1', host: 'a', streams: ['room1', 'stage1'], packager: 'http://localhost:8081/' },
    { id: 'w2', host: 'b', streams: ['room1'], packager: 'http://localhost:8082' },
    { id: 'w3', host: 'c', streams: [], packager: 'http://localhost:8083' }
  ])
  t.same(view, new Map([['room1', ['http://localhost:8081', 'http://localhost:8082']], ['stage1', ['http://localhost:8081']]]))
})

t.test('malformed entries are skipped, a non-list is no answer', async (t) => {
  t.equal(parseFleetPackagers({ workers: [] }), undefined)
  t.same(parseFleetPackagers([
    null,
    { id: 'w1', host: 'h', streams: ['a'], packager: 'ftp://x' },
    { id: 'w2', host: 'h', streams: ['a'], packager: 'http://x:1/path' },
    { id: 'w3', host: 'h', streams: 'a', packager: 'http://x:1' },
    { id: 'w4', host: 'h', streams: ['../etc', 7, 'ok'], packager: 'http://x:1' }
  ]), new Map([['ok', ['http://x:1']]]))
})
