import t from 'tap'
import { serverControl, windowSeconds } from '../../../internal/origin/output-window.js'
import { cmafServerControl } from '../../../internal/worker/cmaf-window.js'
import { EMPTY_TIMELINE, type OutputEntry, type OutputRendition, type TimelineState } from '../../../internal/hls/timeline-state.js'

t.test('HOLD-BACK is 4 target durations (RFC 8216bis: at least 3), with blocking reload', async (t) => {
  t.equal(serverControl(2), 'CAN-BLOCK-RELOAD=YES,HOLD-BACK=8.0')
  t.equal(serverControl(6), 'CAN-BLOCK-RELOAD=YES,HOLD-BACK=24.0')
})

t.test('LL-HLS: the origin and the worker say the same PART-HOLD-BACK (four parts) and CAN-SKIP-UNTIL (six target durations)', async (t) => {
  t.equal(serverControl(1, 0.5), 'CAN-BLOCK-RELOAD=YES,HOLD-BACK=4.0,PART-HOLD-BACK=2.000,CAN-SKIP-UNTIL=6.0')
  t.equal(cmafServerControl({ segmentSeconds: 1, partSeconds: 0.5 }), 'CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=2.000,CAN-SKIP-UNTIL=6.0')
})

t.test('the window is the reference rendition\'s durations; 0 before any output', async (t) => {
  const rendition = (duration: number): OutputRendition => ({ name: 'x.ts', duration, candidates: [] })
  const entry = (msn: number, durations: Record<string, number>): OutputEntry =>
    ({ msn, discontinuity: false, pdtMs: msn * 2000, run: 0, renditions: Object.fromEntries(Object.entries(durations).map(([k, d]) => [k, rendition(d)])) })
  const state = (renditions: string[], durations: Array<Record<string, number>>): TimelineState =>
    ({ ...EMPTY_TIMELINE, renditions, entries: durations.map((d, i) => entry(i, d)) })
  t.equal(windowSeconds(EMPTY_TIMELINE), 0)
  t.equal(windowSeconds(state(['hi', 'lo'], [{ hi: 2, lo: 2.1 }, { hi: 1.9, lo: 2 }])), 3.9, 'the first rendition counts')
  t.equal(windowSeconds(state(['hi'], [{ hi: 2 }, { lo: 2 }])), 2, 'an entry without it adds nothing')
})
