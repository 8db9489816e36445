import t from 'tap'
import { requestRate } from '../../../internal/edges/load-meter.js'
import { parseStubStatus } from '../../../internal/edges/stub-status.js'

t.test('parses nginx stub_status', async (t) => {
  const page = 'Active connections: 3 \nserver accepts handled requests\n 17 17 1234 \nReading: 0 Writing: 1 Waiting: 2 \n'
  t.same(parseStubStatus(page), { active: 3, accepts: 17, handled: 17, requests: 1234, reading: 0, writing: 1, waiting: 2 })
  t.same(parseStubStatus(page.replace(/\n/g, '\r\n'))?.requests, 1234, 'CRLF')
})

t.test('anything else is undefined', async (t) => {
  for (const text of ['', '<html>502 Bad Gateway</html>', 'Active connections: x \n', 'Active connections: 1 \nserver accepts handled requests\n 1 1 \nReading: 0 Writing: 1 Waiting: 0 \n']) {
    t.equal(parseStubStatus(text), undefined, JSON.stringify(text))
  }
})

t.test('request rate takes the manager\'s own probes out', async (t) => {
  t.equal(requestRate({ at: 0, requests: 100, ownRequests: 10 }, { at: 2000, requests: 704, ownRequests: 14 }), 300)
  t.equal(requestRate({ at: 0, requests: 100, ownRequests: 10 }, { at: 1000, requests: 102, ownRequests: 12 }), 0, 'idle edge: only probes')
  t.equal(requestRate({ at: 0, requests: 100, ownRequests: 10 }, { at: 1000, requests: 101, ownRequests: 12 }), 0, 'never negative')
  t.equal(requestRate({ at: 0, requests: 100, ownRequests: 10 }, { at: 1000, requests: 5, ownRequests: 12 }), undefined, 'nginx restarted')
  t.equal(requestRate({ at: 1000, requests: 100, ownRequests: 10 }, { at: 1000, requests: 150, ownRequests: 12 }), undefined, 'no time passed')
})
