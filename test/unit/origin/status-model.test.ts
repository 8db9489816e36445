import t from 'tap'
import { buildStatus, reasonKind, statusChangeKey, type StatusInputs } from '../../../internal/origin/status-model.js'
import type { SignalStatus } from '../../../internal/origin/signal-status.js'

const A = 'http://127.0.0.1:8080'
const B = 'http://127.0.0.1:9090'
const NOW = 1_700_000_000_000

function signal (over: Partial<SignalStatus> = {}): SignalStatus {
  return {
    signal: 'live01',
    renditions: ['180p', '360p'],
    lastMsn: 100,
    lastAppendAt: NOW - 500,
    targetDurationS: 2,
    sources: [
      { url: A, state: 'active', newestMsn: 100, lastOkAt: NOW - 200 },
      { url: B, state: 'standby', newestMsn: 99, lastOkAt: NOW - 300 }
    ],
    ...over
  }
}

function inputs (over: Partial<StatusInputs> = {}): StatusInputs {
  return { now: NOW, signals: [signal()], edges: [], edgesInUse: [], reporterReachable: true, failovers: [], ...over }
}

t.test('both packagers up: ok, with ages and lag from the output', async (t) => {
  const s = buildStatus(inputs()).signals[0]
  t.equal(s?.state, 'ok')
  t.equal(s?.playlistAgeS, 0.5)
  t.equal(s?.entryPlaylist, '/live01/playlist.m3u8')
  t.same(s?.packagers.map((p) => [p.state, p.behind, p.lastOkAgoS, p.reasonKind]), [['active', 0, 0.2, null], ['standby', 1, 0.3, null]])
})

t.test('one packager down: degraded, and the reason is named', async (t) => {
  const s = buildStatus(inputs({ signals: [signal({ sources: [{ url: A, state: 'active', newestMsn: 100 }, { url: B, state: 'down', reason: 'connect ECONNREFUSED 127.0.0.1:9090' }] })] })).signals[0]
  t.equal(s?.state, 'degraded')
  t.match(s?.summary, /1 of 2 packagers up \(127\.0\.0\.1:9090 down\)/)
  t.equal(s?.packagers[1]?.reasonKind, 'refused')
  t.equal(s?.packagers[1]?.reason, 'connect ECONNREFUSED 127.0.0.1:9090')
})

t.test('a packager held after recovery counts as no redundancy yet', async (t) => {
  const s = buildStatus(inputs({ signals: [signal({ sources: [{ url: A, state: 'active' }, { url: B, state: 'standby', reason: 'held after recovery' }] })] })).signals[0]
  t.equal(s?.state, 'degraded')
  t.equal(s?.packagers[1]?.reasonKind, 'held')
})

t.test('output older than 3 target durations, or nobody active: down', async (t) => {
  t.equal(buildStatus(inputs({ signals: [signal({ lastAppendAt: NOW - 7000 })] })).signals[0]?.state, 'down')
  const none = buildStatus(inputs({ signals: [signal({ sources: [{ url: A, state: 'down', reason: 'no answer' }, { url: B, state: 'down', reason: 'HTTP 404' }] })] })).signals[0]
  t.equal(none?.state, 'down')
  t.same(none?.packagers.map((p) => p.reasonKind), ['no-answer', 'not-found'])
})

t.test('before the first output: starting, or down when no packager answers', async (t) => {
  const fresh = signal({ lastMsn: undefined, renditions: [], sources: [{ url: A, state: 'standby' }, { url: B, state: 'down' }] })
  delete (fresh as { lastAppendAt?: number }).lastAppendAt
  const s = buildStatus(inputs({ signals: [fresh] })).signals[0]
  t.equal(s?.state, 'starting')
  t.equal(s?.playlistAgeS, null)
  t.equal(s?.packagers[1]?.reasonKind, 'not-polled', 'a packager without a verdict yet says so')
  const dead = buildStatus(inputs({ signals: [{ ...fresh, sources: [{ url: A, state: 'down' }] }] })).signals[0]
  t.equal(dead?.state, 'down')
})

t.test('reason words map to fixed kinds', async (t) => {
  const cases: Array<[string, string]> = [
    ['stale: playlist stopped advancing', 'stale'],
    ['held after recovery', 'held'],
    ['malformed playlist: no #EXTM3U', 'malformed'],
    ['no answer', 'no-answer'],
    ['never answered', 'no-answer'],
    ['connect ECONNREFUSED 127.0.0.1:1', 'refused'],
    ['Headers Timeout Error', 'timeout'],
    ['The operation was aborted due to timeout', 'timeout'],
    ['other side closed (UND_ERR_SOCKET): socket', 'reset'],
    ['other side closed', 'reset'],
    ['HTTP 404', 'not-found'],
    ['HTTP 503', 'http-error'],
    ['body exceeds 1048576 bytes', 'too-large'],
    ['something new', 'error']
  ]
  for (const [reason, kind] of cases) t.equal(reasonKind(reason), kind, reason)
})

t.test('edges: load rounded, their pathway named, marked in use only while offered to players', async (t) => {
  const s = buildStatus(inputs({
    edges: [{ id: 'edge-1', url: 'http://127.0.0.1:8101', loadRps: 12.345, draining: false }, { id: 'edge-2', url: 'http://127.0.0.1:8102', loadRps: 0, draining: true, lastReported: 'x' }],
    edgesInUse: ['http://127.0.0.1:8101']
  }))
  t.same(s.edges, [
    { id: 'edge-1', url: 'http://127.0.0.1:8101', loadRps: 12.3, inUse: true, pathway: '127.0.0.1-8101', draining: false, lastReported: null },
    { id: 'edge-2', url: 'http://127.0.0.1:8102', loadRps: 0, inUse: false, pathway: '127.0.0.1-8102', draining: true, lastReported: 'x' }
  ])
})

t.test('edges: one still offered that the reporter no longer lists is shown, draining', async (t) => {
  const s = buildStatus(inputs({ edges: [], edgesInUse: ['http://127.0.0.1:8102', 'http://127.0.0.1:8101'] }))
  t.same(s.edges.map((e) => [e.url, e.inUse, e.draining, e.id]), [['http://127.0.0.1:8101', true, true, ''], ['http://127.0.0.1:8102', true, true, '']])
})

t.test('the change key ignores ticking ages but sees state changes and new failovers', async (t) => {
  const base = statusChangeKey(buildStatus(inputs()))
  t.equal(statusChangeKey(buildStatus(inputs({ now: NOW + 900 }))), base, 'a second later, nothing changed')
  t.not(statusChangeKey(buildStatus(inputs({ signals: [signal({ lastMsn: 101 })] }))), base, 'a new segment is a change')
  t.not(statusChangeKey(buildStatus(inputs({ signals: [signal({ sources: [{ url: A, state: 'down', reason: 'no answer' }, { url: B, state: 'active' }] })] }))), base)
  t.not(statusChangeKey(buildStatus(inputs({ failovers: [{ at: NOW, signal: 'live01', kind: 'failover', from: A, to: B }] }))), base)
})

t.test('in a fleet: each signal lists its workers, each packager the workers that encode the signal for it', async (t) => {
  const workers = [
    { id: 'w2', host: 'enc-b', packager: B, streams: ['live01'] },
    { id: 'w1', host: 'enc-a', packager: A, streams: ['live01', 'other'] },
    { id: 'w3', host: 'enc-c', packager: 'http://127.0.0.1:7070', streams: ['other'] }
  ]
  const s = buildStatus(inputs({ workers })).signals[0]
  t.same(s?.workers, [{ id: 'w1', host: 'enc-a', packager: A }, { id: 'w2', host: 'enc-b', packager: B }])
  t.same(s?.packagers.map((p) => p.workers), [['w1'], ['w2']])
  t.same(buildStatus(inputs()).signals[0]?.workers, [], 'none outside a fleet')
  t.not(statusChangeKey(buildStatus(inputs({ workers }))), statusChangeKey(buildStatus(inputs())), 'a placement change is a page change')
})

t.test('a push stream shows who publishes it, or that the publisher is away', async (t) => {
  const name = buildStatus(inputs()).signals[0]?.name ?? ''
  const away = buildStatus(inputs({ pushes: [{ stream: name, publishes: [] }] })).signals[0]
  t.same(away?.publisher, { state: 'away', publishes: [] })
  const on = buildStatus(inputs({ pushes: [{ stream: name, publishes: [{ role: 'main', ingest: 'ingest1' }] }] })).signals[0]
  t.same(on?.publisher, { state: 'publishing', publishes: [{ role: 'main', ingest: 'ingest1' }] })
  t.equal(buildStatus(inputs()).signals[0]?.publisher, undefined, 'a looped file has no publisher')
  t.not(statusChangeKey(buildStatus(inputs({ pushes: [{ stream: name, publishes: [] }] }))), statusChangeKey(buildStatus(inputs({ pushes: [{ stream: name, publishes: [{ role: 'main', ingest: 'ingest1' }] }] }))), 'the publisher leaving is a page change')
})
