import t from 'tap'
import { watchEverySourceFail } from '../../support/outage-every-source.js'

// The long tier of outage-every-source (`make test-long`): Shaka Player and video.js (VHS) through the
// same two faults as hls.js in `make test`; sites use all three, and they forgive different things.
t.setTimeout(300_000)

t.test('every packager frozen at once, then the one encoder restarted, under Shaka Player and video.js: the output goes on at once, with a gap and no discontinuity', async (t) => {
  await watchEverySourceFail(t, ['shaka', 'videojs'])
})
