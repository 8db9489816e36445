import t from 'tap'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ConfigError } from '../../../internal/config/config-error.js'
import { defaultStream, parseStreamDefinition, publicDefinition, streamCost } from '../../../internal/streams/stream-definition.js'
import { loadStreamsFile, parseStreamList } from '../../../internal/streams/streams-file.js'
import { readStreamVariables } from '../../../internal/streams/stream-variables.js'

t.test('a definition gets today\'s defaults: the default ladder, 2 s segments, redundancy 2', async (t) => {
  const definition = parseStreamDefinition({ name: 'room1', source: { file: 'a.mp4' } }, 'body')
  t.same(definition, { name: 'room1', source: { file: 'a.mp4' }, ladder: '720p:1280x720:3000,480p:854x480:1400,240p:426x240:400', segment_duration: 2, redundancy: 2 })
  t.equal(streamCost(definition), 3, 'a copy costs one encode per rung')
  t.ok(Object.isFrozen(definition))
})

t.test('the key is kept but never answered', async (t) => {
  t.same(parseStreamDefinition({ name: 'stage', source: { push: true } }, 'body').source, { push: true }, 'a live push source')
  const definition = parseStreamDefinition({ name: 'room1', source: { file: 'a.mp4' }, stream_key: 'secret-key-1' }, 'body')
  t.equal(definition.stream_key, 'secret-key-1')
  const shown = publicDefinition(definition)
  t.equal(shown.has_stream_key, true)
  t.notOk('stream_key' in shown)
  t.notMatch(JSON.stringify(shown), /secret-key-1/)
})

t.test('each bad field is named with what is allowed', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [[], /^body: must be an object/],
    [{ name: '../x', source: { file: 'a' } }, /^body\.name: must be 1-64 letters/],
    [{ name: 'a', source: { url: 'rtmp://x' } }, /^body\.source: must be \{"file": .*\} or \{"push": true\}.*, not 'url'/],
    [{ name: 'a', source: { push: 'yes' } }, /^body\.source: must be \{"file"/],
    [{ name: 'a', source: { push: true, file: 'a' } }, /^body\.source: must be \{"file"/],
    [{ name: 'a', source: { file: '' } }, /^body\.source\.file: must be a path/],
    [{ name: 'a', source: { file: 'a' }, ladder: '720p:1281x720:3000' }, /^body\.ladder: '720p:1281x720:3000': size must be even/],
    [{ name: 'a', source: { file: 'a' }, segment_duration: 2.5 }, /^body\.segment_duration: must be a whole number from 1 to 10/],
    [{ name: 'a', source: { file: 'a' }, redundancy: 0 }, /^body\.redundancy: must be a whole number from 1 to 8/],
    [{ name: 'a', source: { file: 'a' }, redundancy: '2' }, /^body\.redundancy: must be a whole number/],
    [{ name: 'a', source: { file: 'a' }, stream_key: 'short' }, /^body\.stream_key: must be 8 to 256 printable/],
    [{ name: 'a', source: { file: 'a' }, colour: 'red' }, /^body\.colour: is not a stream field; allowed: name, source/]
  ]
  for (const [input, message] of cases) {
    t.throws(() => parseStreamDefinition(input, 'body'), message)
  }
  t.notMatch(String((() => { try { parseStreamDefinition({ name: 'a', source: { file: 'a' }, stream_key: 'has space in it' }, 'body') } catch (err) { return (err as Error).message } })()), /has space/, 'a refused key is not echoed')
})

t.test('the default stream follows the worker\'s variables', async (t) => {
  const variables = readStreamVariables({ INPUT_STREAM_PATH: 'in.mp4', LADDER: '240p:426x240:400', SEGMENT_DURATION: '4' })
  t.same(defaultStream({ name: 'live02', inputPath: variables.inputPath, ladder: variables.ladderText, segmentSeconds: variables.segmentSeconds }),
    { name: 'live02', source: { file: 'in.mp4' }, ladder: '240p:426x240:400', segment_duration: 4, redundancy: 2 })
  t.equal(defaultStream().name, 'live01')
  t.same(defaultStream().source, { file: 'assets/stream.mp4' })
  t.throws(() => readStreamVariables({ SEGMENT_DURATION: '0' }), /^SEGMENT_DURATION: /)
})

t.test('STREAMS_FILE: an array or {streams}, every entry checked, names unique', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'streams-file-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const file = join(dir, 'streams.json')
  await writeFile(file, JSON.stringify({ streams: [{ name: 'a', source: { file: 'x.mp4' } }, { name: 'b', source: { file: 'y.mp4' }, redundancy: 1 }] }))
  t.same((await loadStreamsFile(file)).map((s) => [s.name, s.redundancy]), [['a', 2], ['b', 1]])
  t.equal(parseStreamList([{ name: 'a', source: { file: 'x' } }], 'STREAMS_FILE').length, 1)
  t.throws(() => parseStreamList([{ name: 'a', source: { file: 'x' } }, { name: 'a', source: { file: 'y' } }], 'STREAMS_FILE'), /^STREAMS_FILE: stream 'a' is defined twice/)
  t.throws(() => parseStreamList([{ name: 'a', source: { file: 'x' } }, { name: 'b' }], 'STREAMS_FILE'), /^STREAMS_FILE\[1\]\.source: /)
  t.throws(() => parseStreamList({ stream: [] }, 'STREAMS_FILE'), /must hold a JSON array/)
  await writeFile(file, '{ nope')
  await t.rejects(loadStreamsFile(file), /^STREAMS_FILE: '.*streams\.json' is not JSON/)
  const absent = await loadStreamsFile(join(dir, 'absent.json')).catch((err: unknown) => err)
  t.ok(absent instanceof ConfigError)
  t.match((absent as Error).message, /^STREAMS_FILE: cannot read '.*absent\.json': ENOENT/)
})
