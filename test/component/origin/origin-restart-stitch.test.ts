import { sideBySide } from '../../support/side-by-side.js'
import { advanceEvery } from '../../support/fake-live-packager.js'
import { metrics, metricValue, PlaylistRuleLog, startPairAndOrigin, watchOutput } from '../../support/origin-harness.js'

// the tests each start their own fakes and origin and mostly wait on their clocks: run them side by side

// B's unlocked worker restarts with its clock ahead (time passed, off the epoch grid) or an hour behind
const SCENARIOS: ReadonlyArray<[string, number]> = [['ahead', 20_500], ['an hour behind', -3_600_000]]

sideBySide('packager restarts stitched into the output', 2, (t) => {
  for (const [clock, shiftMs] of SCENARIOS) t.test(`a packager restarting at 0 (not epoch-locked, clock ${clock}) after the other died: discontinuity with PDT, media sequence keeps growing`, { buffered: true }, async (t) => {
    const { a, b, origin } = await startPairAndOrigin(t)
    advanceEvery(t, [a, b], 1000)
    const rules = new PlaylistRuleLog()
    const steady = await watchOutput(origin, rules, { durationMs: 1500 })
    await a.close()
    const afterKill = await watchOutput(origin, rules, { durationMs: 2000 })
    t.equal(afterKill.renditions.hi?.discontinuities.size, 0, 'losing A alone needs no discontinuity')

    const before = b.pdtOf(b.lastMsn)
    const restartPdt = before + shiftMs
    b.restartAt(0, restartPdt)
    const report = await watchOutput(origin, rules, { durationMs: 5000 })

    const hi = report.renditions.hi
    const lo = report.renditions.lo
    if (hi === undefined || lo === undefined) { t.fail('both renditions watched'); return }
    t.equal(hi.discontinuities.size, 1, 'exactly one EXT-X-DISCONTINUITY in hi')
    t.same([...lo.discontinuities], [...hi.discontinuities], 'lo has it on the same MSN')
    const stitchedMsn = [...hi.discontinuities][0] ?? -1
    t.ok(stitchedMsn > (steady.renditions.hi?.lastNewest ?? Infinity), `the stitched segment continues the output numbering (MSN ${stitchedMsn})`)
    t.ok(hi.lastNewest >= stitchedMsn + 3, `the output kept growing after the stitch (newest ${hi.lastNewest})`)
    // B lists a segment as soon as it restarts; stitching waits until the output is overdue (1.25 TD)
    t.ok(hi.maxGapMs <= 2250 && lo.maxGapMs <= 2250, `longest wait for a new segment across the restart: hi ${hi.maxGapMs} ms, lo ${lo.maxGapMs} ms (budget 2250 ms)`)

    const stitched = hi.listed.get(stitchedMsn)
    const pdt = stitched?.programDateTimeMs ?? NaN
    const previous = hi.listed.get(stitchedMsn - 1)?.programDateTimeMs ?? Infinity
    t.ok(pdt > previous, `output PDT still moves forward at the stitch (${previous} -> ${pdt})`)
    if (shiftMs > 0) t.ok(pdt >= restartPdt && (pdt - restartPdt) % 1000 === 0, `the stitched segment carries B's new PDT (${pdt}, restart at ${restartPdt})`)
    // a source clock behind ours: the output continues from the end of its last segment instead
    else t.equal(pdt, previous + 1000, 'the stitched segment continues the output clock')
    t.match(hi.firstTextWithDiscontinuity ?? '', /#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:/, 'the discontinuity tag is followed by an explicit PDT')
    t.notMatch(stitched?.uri ?? '', /^\d+\.ts$/, `re-numbered segments get a new name (${stitched?.uri ?? ''}), never an epoch name`)

    // what the player gets for the stitched MSN is B's segment from its new numbering
    const fetched = report.segments.find((s) => s.rendition === 'hi' && s.msn === stitchedMsn)
    t.equal(fetched?.status, 200)
    t.match(fetched?.body ?? '', /^B:hi:\d$/, `the stitched segment is one of B's restarted segments (${fetched?.body ?? ''})`)
    t.same(report.httpErrors, [], 'no HTTP error')
    t.ok(report.segments.every((s) => s.status === 200 && s.body.startsWith('B:')), 'every new segment came from B')

    t.ok(metricValue(await metrics(origin), 'origin_stitches_total', { signal: 'live01' }) >= 1, 'the stitch is counted')
    t.ok(rules.checked > 40, `rule checker ran on every playlist fetched (${rules.checked})`)
    t.same(rules.violations, [], '0 rule violations: media sequence and discontinuity sequence never went back')
  })
})
