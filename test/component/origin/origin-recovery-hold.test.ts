import t from 'tap'
import { advanceEvery } from '../../support/fake-live-packager.js'
import { startPairAndOrigin } from '../../support/origin-harness.js'
import { waitFor } from '../../support/wait-for.js'

// RECOVERY_HOLD is a duration: it must not scale with the stream's target duration (here 1 s)
const HOLD_MS = 4000

t.test('a recovered packager is used again only after RECOVERY_HOLD of good health', async (t) => {
  const { a, b, origin } = await startPairAndOrigin(t, { recoveryHold: `${HOLD_MS}ms` })
  advanceEvery(t, [a, b], 1000)
  const session = origin.service.registry.get('live01')
  const statusOfA = () => session?.status().sources.find((s) => s.url === a.url)
  await waitFor('A to be eligible', () => statusOfA()?.state !== 'down' && statusOfA()?.reason === undefined, { timeoutMs: 5000, intervalMs: 50 })

  a.playlistMode = 'reset'
  await waitFor('A to be down', () => statusOfA()?.state === 'down', { timeoutMs: 5000, intervalMs: 50 })
  a.playlistMode = 'normal'
  const held = await waitFor('A to answer again (held)', () => {
    const s = statusOfA()
    return s?.state !== 'down' && s?.reason === 'held after recovery' ? Date.now() : undefined
  }, { timeoutMs: 5000, intervalMs: 20 })
  const eligibleAt = await waitFor('A to be eligible again', () => {
    const s = statusOfA()
    return s?.state !== 'down' && s?.reason === undefined ? Date.now() : undefined
  }, { timeoutMs: 3 * HOLD_MS, intervalMs: 20 })
  const heldMs = eligibleAt - held
  // the lower bound is the point (a shorter hold is the bug); sampling and the 250 ms tick give slack
  t.ok(heldMs >= HOLD_MS - 500, `held ${heldMs} ms after recovery (RECOVERY_HOLD ${HOLD_MS} ms)`)
  t.ok(heldMs <= 2 * HOLD_MS, `and then taken back (${heldMs} ms)`)
})
