import t from 'tap'
import { parsePushStatus } from '../../../internal/reporter/publish-list.js'

t.test('push streams with their publishes; none means the publisher is away', async (t) => {
  const streams = [
    { name: 'stage', source: { push: true } },
    { name: 'room', source: { push: true } },
    { name: 'loop', source: { file: 'a.mp4' } },
    { name: '../bad', source: { push: true } }
  ]
  const publishes = [
    { stream: 'stage', role: 'backup', ingest: 'ingest2' },
    { stream: 'stage', role: 'main', ingest: 'ingest1' },
    { stream: 'stage', role: 'sideways', ingest: 'ingest3' },
    { stream: 'room', role: 'main', ingest: '<script>' }
  ]
  t.same(parsePushStatus(streams, publishes), [
    { stream: 'room', publishes: [] },
    { stream: 'stage', publishes: [{ role: 'main', ingest: 'ingest1' }, { role: 'backup', ingest: 'ingest2' }] }
  ], 'looped files are not push streams; malformed names, roles and ingest ids are dropped')
  t.equal(parsePushStatus({}, []), undefined)
  t.equal(parsePushStatus([], null), undefined)
})
