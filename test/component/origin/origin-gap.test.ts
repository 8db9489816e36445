import t from 'tap'
import { epochMsn, startFakeLivePackager } from '../../support/fake-live-packager.js'
import { get, PlaylistRuleLog, startOrigin } from '../../support/origin-harness.js'
import { crc32Mpeg2, GAP_FILLER_TS } from '../../../internal/hls/gap-filler.js'
import { waitFor } from '../../support/wait-for.js'

t.test('the gap filler is a valid MPEG-TS with program tables and no media', async (t) => {
  t.equal(GAP_FILLER_TS.length, 2 * 188, 'two packets')
  t.equal(GAP_FILLER_TS[0], 0x47)
  t.equal(GAP_FILLER_TS[188], 0x47)
  // the PAT ffmpeg writes for program 1 -> PMT PID 0x1000, byte for byte (CRC included)
  t.equal(GAP_FILLER_TS.subarray(0, 21).toString('hex'), '474000100000b00d0001c100000001f0002ab104b2')
  t.equal(crc32Mpeg2(Buffer.from('123456789')), 0x0376e6e7, 'CRC-32/MPEG-2 check value')
  t.equal(GAP_FILLER_TS.readUInt16BE(189) & 0x1fff, 0x1000, 'PMT on PID 0x1000')
})

t.test('an epoch-locked packager that skipped an MSN: the output lists a gap, and its URI answers the filler', async (t) => {
  const msn = epochMsn(1)
  const a = await startFakeLivePackager(t, { name: 'A', lastMsn: msn })
  const origin = await startOrigin(t, { packagers: [a.url] })
  const url = `${origin.url}/live01/hi/playlist.m3u8`
  const rules = new PlaylistRuleLog()
  await waitFor('the first output', async () => (await get(url)).status === 200 || undefined, { timeoutMs: 10_000, intervalMs: 100 })
  await rules.fetch(url)
  // the encoder restarted on a later boundary: numbers and timestamps go on, msn + 1 is missing
  a.restartAt(msn + 2, (msn + 2) * 1000)
  const listed = await waitFor('the gap', async () => {
    const p = await rules.fetch(url)
    return p.segments.some((s) => s.msn === msn + 2) ? p : undefined
  }, { timeoutMs: 10_000, intervalMs: 100 })
  t.same(rules.violations, [])
  const gap = listed.segments.find((s) => s.msn === msn + 1)
  t.ok(gap?.gap === true, 'msn + 1 is an EXT-X-GAP')
  t.notOk(listed.segments.some((s) => s.discontinuity), 'no discontinuity')
  const filler = await fetch(`${origin.url}/live01/hi/${msn + 1}.ts`)
  t.equal(filler.status, 200, 'a player that asks for the gap (video.js) gets a segment, not a 404')
  t.same(Buffer.from(await filler.arrayBuffer()), GAP_FILLER_TS, 'the filler: program tables, no media')
  t.equal(a.hitsByPath.get(`/live01/hi/${msn + 1}.ts`) ?? 0, 0, 'nothing was asked upstream for it')
})
