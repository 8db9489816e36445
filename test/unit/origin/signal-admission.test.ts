import t from 'tap'
import { negativeTtlMs, SignalAdmission, takeToken, DEFAULT_ADMISSION_LIMITS } from '../../../internal/origin/signal-admission.js'

/** Packagers a and b on a fake clock; `served` lists the base/signal pairs that answer. */
function scripted (served: ReadonlySet<string>): { admission: SignalAdmission, asked: string[], clock: { now: number } } {
  const clock = { now: 0 }
  const asked: string[] = []
  const admission = new SignalAdmission({
    sources: ['http://a', 'http://b'],
    now: () => clock.now,
    limits: { probesPerSecond: 2, probeBurst: 3, negativeTtlMs: 1000, maxNegativeTtlMs: 8000, maxRemembered: 4 },
    ask: async (base, signal) => {
      asked.push(`${base}/${signal}`)
      await new Promise((resolve) => setImmediate(resolve))
      return served.has(`${base}/${signal}`)
    }
  })
  return { admission, asked, clock }
}

t.test('a name is served when any packager answers it', async (t) => {
  const { admission, asked } = scripted(new Set(['http://b/live01']))
  t.equal(await admission.probe('live01', 'player'), 'served')
  t.same(asked, ['http://a/live01', 'http://b/live01'], 'one request per packager')
  t.notOk(admission.knownUnknown('live01'))
})

t.test('concurrent probes for one name share one probe', async (t) => {
  const { admission, asked } = scripted(new Set())
  const verdicts = await Promise.all([1, 2, 3, 4, 5].map(async () => await admission.probe('junk', 'player')))
  t.same(verdicts, ['unknown', 'unknown', 'unknown', 'unknown', 'unknown'])
  t.equal(asked.length, 2, 'one request per packager for five callers')
})

t.test('a miss is remembered, for longer with every miss in a row, and forgotten on a fresh claim', async (t) => {
  const { admission, asked, clock } = scripted(new Set())
  t.equal(await admission.probe('junk', 'player'), 'unknown')
  clock.now = 999
  t.equal(await admission.probe('junk', 'player'), 'unknown')
  t.equal(asked.length, 2, 'not asked again within the negative TTL')
  clock.now = 1000
  await admission.probe('junk', 'player')
  t.equal(asked.length, 4, 'asked again after it')
  t.ok(admission.knownUnknown('junk'))
  clock.now = 1000 + 1999
  t.ok(admission.knownUnknown('junk'), 'the second miss in a row is remembered twice as long')
  admission.forget('junk')
  t.notOk(admission.knownUnknown('junk'))
  t.equal(negativeTtlMs(1, DEFAULT_ADMISSION_LIMITS), 2000)
  t.equal(negativeTtlMs(50, DEFAULT_ADMISSION_LIMITS), 30_000, 'capped')
})

t.test('probes of new names are rate-limited per requester: beyond the budget a name is not asked about', async (t) => {
  const { admission, asked, clock } = scripted(new Set())
  const verdicts = []
  for (let i = 0; i < 6; i++) verdicts.push(await admission.probe(`junk${i}`, 'player'))
  t.same(verdicts, ['unknown', 'unknown', 'unknown', 'busy', 'busy', 'busy'], 'a burst of 3')
  t.equal(asked.length, 6, 'three probes of two packagers')
  t.equal(await admission.probe('live01', 'reporter'), 'unknown', 'the reporter has its own budget')
  clock.now = 500
  t.equal(await admission.probe('junk3', 'player'), 'unknown', 'one more after half a second at 2 per second')
  t.equal(await admission.probe('junk4', 'player'), 'busy')
  t.notOk(admission.knownUnknown('junk5'), 'a name not asked about is not remembered as unknown')
})

t.test('the token bucket refills at its rate up to its burst', async (t) => {
  let bucket = { tokens: 0, at: 0 }
  t.notOk(takeToken(bucket, 100, 4, 2).taken)
  const r = takeToken(bucket, 250, 4, 2)
  t.ok(r.taken)
  bucket = r.bucket
  t.equal(takeToken(bucket, 1_000_000, 4, 2).bucket.tokens, 1, 'capped at the burst')
})

t.test('remembered names are bounded', async (t) => {
  const { admission, clock } = scripted(new Set())
  for (let i = 0; i < 6; i++) { clock.now += 1000; await admission.probe(`junk${i}`, 'player') }
  t.notOk(admission.knownUnknown('junk0'), 'the oldest miss was forgotten')
  t.ok(admission.knownUnknown('junk5'))
})
