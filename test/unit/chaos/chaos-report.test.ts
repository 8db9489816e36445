import t from 'tap'
import { renderPlot } from '../../chaos/chaos-plot.js'
import { failingRows, formatTable, type FaultRow } from '../../chaos/chaos-table.js'
import { findGaps } from '../../chaos/ffmpeg-client.js'

const clean: FaultRow = {
  fault: 'server1 SIGKILL + restart', informational: false, repeats: 2, stalls: 0, stallS: 0, fatalErrors: 0, nonFatalErrors: 3,
  playerHttpErrors: 0, watcherHttpErrors: 0, violations: 0, ffmpegWarnings: 1, tsGaps: 0, maxSegmentGapMs: 2100
}

t.test('chaos table: only must-be-zero cells of non-informational rows fail the run', async (t) => {
  t.same(failingRows([clean]), [], 'non-fatal errors and ffmpeg warnings are reported, not failing')
  const stalled = { ...clean, stalls: 1, stallS: 2.5, violations: 2 }
  t.same(failingRows([clean, stalled]), [{ fault: clean.fault, cells: ['stalls', 'violations'] }])
  const origin = { ...stalled, fault: 'origin restart', informational: true }
  t.same(failingRows([origin]), [], 'the single-origin restart row is information only')
  const text = formatTable([stalled, origin])
  t.match(text, /server1 SIGKILL \+ restart \|\s+2 \|\s+1! \|\s+2\.5 \|/, 'a failing cell is marked with !')
  t.match(text, /origin restart \(info\)\s+\|\s+2 \|\s+1 \|/, 'an informational row is labelled and not marked')
})

t.test('chaos table: the player columns are sums; the last column keeps each player\'s stalls and fatal errors', async (t) => {
  const row = { ...clean, stalls: 1, fatalErrors: 1, byPlayer: { 'hlsjs#1': { stalls: 0, fatalErrors: 0 }, 'shaka#1': { stalls: 1, fatalErrors: 1 } } }
  const text = formatTable([row])
  t.match(text, /stalls\/fatal by player$/m)
  t.match(text, /\| hlsjs#1 0\/0, shaka#1 1\/1$/m)
  t.same(failingRows([row]), [{ fault: clean.fault, cells: ['stalls', 'fatalErrors'] }])
})

t.test('chaos table: a control row must show the fault; one players rode out fails the run', async (t) => {
  const seen = { ...clean, fault: 'control: every packager SIGSTOP 20 s', control: true, stalls: 1, stallS: 9.5 }
  t.same(failingRows([seen]), [], 'a control that players saw passes, its stall is not a failure')
  t.same(failingRows([{ ...seen, stalls: 0, stallS: 0 }]), [{ fault: seen.fault, cells: ['control not seen by any player'] }])
  t.same(failingRows([{ ...seen, stalls: 0, fatalErrors: 1 }]), [], 'a fatal error counts as seen')
  t.match(formatTable([seen]), /control: every packager SIGSTOP 20 s \(control: must show\) \|\s+2 \|\s+1 \|/, 'labelled, and its stall not marked with !')
})

t.test('chaos table: a row with a stall allowance passes within it, per player and per stall length', async (t) => {
  const row: FaultRow = {
    ...clean, fault: 'every encoder restarted', repeats: 1, stalls: 3, stallS: 1.9, maxStallS: 1.2, allowedStall: { perPlayer: 1, maxS: 2 },
    byPlayer: { 'hlsjs#1': { stalls: 1, fatalErrors: 0 }, 'shaka#1': { stalls: 1, fatalErrors: 0 }, 'videojs#1': { stalls: 1, fatalErrors: 0 } }
  }
  t.same(failingRows([row]), [], 'one short stall per player is allowed')
  t.match(formatTable([row]), /\| +3 \(allowed 1\/player, <=2 s\) \|/, 'shown as allowed')
  t.same(failingRows([{ ...row, maxStallS: 3.6 }]), [{ fault: row.fault, cells: ['stalls'] }], 'a stall longer than allowed fails')
  t.same(failingRows([{ ...row, stalls: 4, byPlayer: { ...row.byPlayer, 'shaka#1': { stalls: 2, fatalErrors: 0 } } }]), [{ fault: row.fault, cells: ['stalls'] }], 'two stalls of one player fail')
  t.same(failingRows([{ ...row, allowedStall: undefined }]), [{ fault: row.fault, cells: ['stalls'] }], 'without an allowance any stall fails')
})

t.test('ffmpeg recording: pts steps beyond 1.5 frames are gaps, placed in wall time', async (t) => {
  const frame = 1 / 30
  const pts = Array.from({ length: 90 }, (_, i) => 100 + i * frame)
  // a skipped 2 s segment after the 60th frame
  const withHole = [...pts.slice(0, 60), ...pts.slice(60).map((p) => p + 2)]
  const result = findGaps(withHole, withHole.map(() => frame), 1_000_000)
  t.equal(result.gaps.length, 1, 'one gap')
  t.ok(Math.abs((result.gaps[0]?.gapS ?? 0) - (2 + frame)) < 1e-6, 'its size is the skipped time plus a frame')
  t.equal(Math.round(result.gaps[0]?.at ?? 0), 1_000_000 + Math.round(59 * frame * 1000), 'placed at recording start + media time before it')
  t.same(findGaps(pts, pts.map(() => frame), 0).gaps, [], 'a continuous recording has none')
})

t.test('chaos plot: a self-contained SVG with every series and fault marker', async (t) => {
  const svg = renderPlot('title <&>', [
    { name: 'buffer', color: '#00f', points: [{ at: 0, value: 4 }, { at: 60_000, value: 6 }] },
    { name: 'age', color: '#f80', points: [{ at: 0, value: 1 }, { at: 60_000, value: 2 }] }
  ], [{ at: 10_000, until: 20_000, label: 'server1 SIGKILL' }, { at: 40_000, label: 'reporter' }])
  t.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/)
  t.match(svg, /title &lt;&amp;&gt;/, 'text is escaped')
  t.equal((svg.match(/<path /g) ?? []).length, 2, 'one path per series')
  t.match(svg, /1\. server1 SIGKILL/)
  t.match(svg, /2\. reporter/)
  t.match(svg, /fill-opacity="0\.08"/, 'a fault with a duration is shaded')
  t.ok(svg.trimEnd().endsWith('</svg>'))
})
