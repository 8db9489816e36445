import t from 'tap'
import { parseFleetWorkers } from '../../../internal/reporter/worker-list.js'

t.test('the reporter\'s /workers: well-formed entries only, packagers as plain origins', async (t) => {
  t.same(parseFleetWorkers([
    { id: 'w1', host: 'enc-a', packager: 'http://10.0.0.5:8081/', streams: ['room1', '../x', 7], capacity: 3 },
    { id: '../w', host: 'h', packager: 'http://a', streams: [] },
    { id: 'w2', host: 'h', packager: 'javascript:alert(1)', streams: [] },
    { id: 'w3', host: 'h', packager: 'not a url', streams: [] },
    { id: 'w4', host: 'h', packager: 'http://a', streams: 'room1' },
    null
  ]), [{ id: 'w1', host: 'enc-a', packager: 'http://10.0.0.5:8081', streams: ['room1'] }])
  t.equal(parseFleetWorkers({}), undefined)
})
