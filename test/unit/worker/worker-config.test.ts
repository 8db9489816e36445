import t from 'tap'
import { loadWorkerConfig } from '../../../internal/worker/worker-config.js'
import { parseLadder } from '../../../internal/streams/ladder.js'
import { ConfigError } from '../../../internal/config/config-error.js'

t.test('defaults match the Go original and the project\'s own defaults (docs/design.md)', async (t) => {
  const c = loadWorkerConfig({})
  t.equal(c.inputPath, 'assets/stream.mp4')
  t.equal(c.outputPath, 'output')
  t.equal(c.signalName, 'live01')
  t.equal(c.segmentSeconds, 2)
  t.equal(c.listSize, 6)
  t.equal(c.ffmpegPath, 'ffmpeg')
  t.equal(c.ffprobePath, 'ffprobe')
  t.equal(c.metricsPort, 9464)
  t.equal(c.frameRate, 30)
  t.equal(c.catchUp, true, 'WORKER_CATCH_UP defaults on')
  t.equal(loadWorkerConfig({ WORKER_CATCH_UP: 'false' }).catchUp, false)
  t.same(c.ladder.map((r) => [r.name, r.width, r.height, r.videoKbps, r.audioKbps]), [
    ['720p', 1280, 720, 3000, 128], ['480p', 854, 480, 1400, 96], ['240p', 426, 240, 400, 64]
  ])
  t.ok(Object.isFrozen(c))
})

t.test('values are read from the environment', async (t) => {
  const c = loadWorkerConfig({
    INPUT_STREAM_PATH: '/in.mp4', SEGMENT_DURATION: '4', HLS_LIST_SIZE: '10', LADDER: 'hd:1920x1080:5000:160',
    VIDEO_PRESET: 'ultrafast', WORKER_METRICS_PORT: '0', FFMPEG_PATH: '/opt/ffmpeg', FFPROBE_PATH: '/opt/ffprobe'
  })
  t.equal(c.inputPath, '/in.mp4')
  t.equal(c.segmentSeconds, 4)
  t.equal(c.listSize, 10)
  t.same(c.ladder, [{ name: 'hd', width: 1920, height: 1080, videoKbps: 5000, audioKbps: 160 }])
  t.equal(c.videoPreset, 'ultrafast')
  t.equal(c.metricsPort, 0)
  t.equal(c.ffmpegPath, '/opt/ffmpeg')
})

t.test('each bad value is a ConfigError naming its variable', async (t) => {
  const cases: Array<[Record<string, string>, string, RegExp]> = [
    [{ SEGMENT_DURATION: '0' }, 'SEGMENT_DURATION', /1 to 10/],
    [{ SEGMENT_DURATION: '2.5' }, 'SEGMENT_DURATION', /whole number/],
    [{ SEGMENT_DURATION: '11' }, 'SEGMENT_DURATION', /1 to 10/],
    [{ HLS_LIST_SIZE: '2' }, 'HLS_LIST_SIZE', /3 target durations/],
    [{ VIDEO_PRESET: 'placebo' }, 'VIDEO_PRESET', /ultrafast/],
    [{ LADDER: 'nope' }, 'LADDER', /name:WIDTHxHEIGHT:videoKbps/],
    [{ WORKER_METRICS_PORT: 'x' }, 'WORKER_METRICS_PORT', /TCP port/],
    [{ LIVE_SIGNAL_NAME: '../etc' }, 'LIVE_SIGNAL_NAME', /letters, digits/],
    [{ FRAME_RATE: '0' }, 'FRAME_RATE', /1 to 60/]
  ]
  for (const [env, variable, detail] of cases) {
    const err = t.throws(() => loadWorkerConfig(env)) as ConfigError
    t.ok(err instanceof ConfigError, `${variable} throws ConfigError`)
    t.equal(err.variable, variable)
    t.match(err.message, new RegExp(`^${variable}: `))
    t.match(err.message, detail)
  }
})

t.test('ladder rungs are validated one by one', async (t) => {
  t.same(parseLadder(' a:640x360:800 , b:320x180:200:48 ').map((r) => r.audioKbps), [64, 48])
  t.throws(() => parseLadder(''), /LADDER: must be/)
  t.throws(() => parseLadder('a:641x360:800'), /must be even/)
  t.throws(() => parseLadder('a:640x360:10'), /50\.\.50000/)
  t.throws(() => parseLadder('a:640x360:800:1000'), /16\.\.512/)
  t.throws(() => parseLadder('a:640x360:800,a:320x180:200'), /appears twice/)
  t.throws(() => parseLadder('.x:640x360:800'), /rendition name '\.x'/)
  t.throws(() => parseLadder('a/b:640x360:800'), /rendition name/)
})
