import t from 'tap'
import { watchEverySourceFail } from '../support/outage-every-source.js'

// one stack, one browser, two faults in a row: more than tap's default per-file limit
t.setTimeout(300_000)

// hls.js here; Shaka Player and video.js (VHS) watch the same faults in the long tier
// (test/chaos/long/outage-every-source-players.test.ts, `make test-long`)
t.test('every packager frozen at once, then the one encoder restarted: the output goes on at once, with a gap and no discontinuity', async (t) => {
  await watchEverySourceFail(t, ['hlsjs'])
})
