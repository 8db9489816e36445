import { sideBySide } from '../../support/side-by-side.js'
import { advanceEvery, type PlaylistMode } from '../../support/fake-live-packager.js'
import { assertKeepsAdvancing, get, metrics, metricValue, PlaylistRuleLog, startPairAndOrigin, watchOutput } from '../../support/origin-harness.js'
import { waitFor } from '../../support/wait-for.js'

// what each hostile answer must be counted as in origin_upstream_fetches_total{kind="playlist"}
const MODES: ReadonlyArray<[PlaylistMode, string, string]> = [
  ['garbage', 'malformed', 'an HTML error page with NUL bytes instead of a playlist'],
  ['hostile', 'malformed', 'segment URIs that leave the folder or name another host'],
  ['huge', 'too_large', '50 MB of playlist, chunked, no content-length'],
  ['stall', 'timeout', 'a playlist body that never finishes']
]

// each mode has its own packagers and origin and mostly waits on their clocks: run them side by side
sideBySide('hostile upstream playlists', MODES.length, (t) => {
  for (const [mode, result, what] of MODES) {
    t.test(`packager A serves ${what}: the origin stays up and serves from B`, { buffered: true }, async (t) => {
      const { a, b, origin } = await startPairAndOrigin(t)
      advanceEvery(t, [a, b], 1000)
      const rules = new PlaylistRuleLog()
      await watchOutput(origin, rules, { durationMs: 1500 })

      a.playlistMode = mode
      const report = await watchOutput(origin, rules, { durationMs: 4500 })
      assertKeepsAdvancing(t, report, b, 3)
      t.same(rules.violations, [], `0 rule violations in ${rules.checked} playlists`)

      const failures = await waitFor(`A's ${result} polls to be counted`, async () => {
        const n = metricValue(await metrics(origin), 'origin_upstream_fetches_total', { packager: a.url, kind: 'playlist', result })
        return n > 0 ? n : undefined
      }, { timeoutMs: 5000, intervalMs: 100 })
      t.ok(failures > 0, `/metrics counts ${failures} '${result}' playlist fetches from A`)
      const status = origin.service.registry.get('live01')?.status().sources.find((s) => s.url === a.url)
      t.equal(status?.state, 'down', `A is down for live01 (${status?.reason ?? ''})`)
      t.equal((await get(`${origin.url}/healthz`)).status, 200, 'the origin is healthy')
    })
  }
})
