import t from 'tap'
import { buildFfmpegArgs, renditionDir, type FfmpegArgsOptions } from '../../../internal/worker/ffmpeg-args.js'
import { parseLadder, DEFAULT_LADDER } from '../../../internal/streams/ladder.js'
import { parseProgressSpeed } from '../../../internal/worker/progress-parser.js'

const base: FfmpegArgsOptions = {
  videoPath: 'assets/stream.mp4',
  audioPath: 'output/live01/.loop/abc.pcm',
  loopSeconds: 30,
  loopOffsetSeconds: 12,
  t0Ms: 1_700_000_002_000,
  startMsn: 850_000_001,
  segmentSeconds: 2,
  listSize: 6,
  deleteThreshold: 15,
  ladder: parseLadder(DEFAULT_LADDER),
  frameRate: 30,
  preset: 'superfast',
  signalDir: 'output/live01'
}

function valueOf (args: string[], flag: string): string | undefined {
  const i = args.indexOf(flag)
  return i === -1 ? undefined : args[i + 1]
}

t.test('the run is locked to the epoch: start number and ts offset', async (t) => {
  const args = buildFfmpegArgs(base)
  t.equal(valueOf(args, '-start_number'), '850000001')
  t.equal(valueOf(args, '-hls_start_number_source'), 'generic')
  t.equal(valueOf(args, '-output_ts_offset'), '1700000002.000')
})

t.test('the loop: a partial pass seeked to the offset, then whole passes with no seek', async (t) => {
  const args = buildFfmpegArgs(base)
  const inputs = args.flatMap((a, i) => a === '-i' ? [i] : [])
  t.equal(inputs.length, 4)
  t.same(inputs.map((i) => args[i + 1]), ['assets/stream.mp4', 'output/live01/.loop/abc.pcm', 'assets/stream.mp4', 'output/live01/.loop/abc.pcm'])
  // the options of each input sit between the previous -i's file and its own -i
  const optionsOf = (k: number): string[] => args.slice(k === 0 ? args.indexOf('pipe:1') + 1 : inputs[k - 1]! + 2, inputs[k])
  t.same(optionsOf(0), ['-re', '-ss', '12.000000'])
  t.same(optionsOf(1), ['-re', '-ss', '12.000000', '-f', 's16le', '-ar', '48000', '-ac', '2'])
  t.same(optionsOf(2), ['-re', '-itsoffset', '18.000000', '-stream_loop', '-1'], 'the looped input never seeks')
  t.same(optionsOf(3), ['-re', '-itsoffset', '18.000000', '-stream_loop', '-1', '-f', 's16le', '-ar', '48000', '-ac', '2'])
  t.match(valueOf(args, '-filter_complex'), /^\[2:v:0\]setpts=PTS-STARTPTS\[lv\];\[3:a:0\]asetpts=PTS-STARTPTS\[la\];\[0:v:0\]\[1:a:0\]\[lv\]\[la\]concat=n=2:v=1:a=1\[cv\]\[ca\];/)

  const fromStart = buildFfmpegArgs({ ...base, loopOffsetSeconds: 0 })
  t.equal(valueOf(fromStart, '-ss'), '0.000000')
  t.equal(valueOf(fromStart, '-itsoffset'), '30.000000', 'a run at the loop start loops after one whole pass')
})

t.test('GOP is fps x SEG with no scene cuts, so segments cut on boundaries', async (t) => {
  const args = buildFfmpegArgs({ ...base, segmentSeconds: 4, frameRate: 25 })
  t.equal(valueOf(args, '-g'), '100')
  t.equal(valueOf(args, '-keyint_min'), '100')
  t.equal(valueOf(args, '-sc_threshold'), '0')
  t.equal(valueOf(args, '-x264-params'), 'repeat-headers=1', 'every segment carries its own SPS/PPS')
  t.equal(valueOf(args, '-force_key_frames'), 'expr:gte(t,n_forced*4)')
  t.equal(valueOf(args, '-hls_time'), '4')
  t.match(valueOf(args, '-filter_complex'), /\[cv\]fps=25,split=3/)
})

t.test('one ffmpeg encodes the whole ladder into private playlists', async (t) => {
  const args = buildFfmpegArgs(base)
  t.match(valueOf(args, '-filter_complex'),
    /;\[cv\]fps=30,split=3\[s0\]\[s1\]\[s2\];\[s0\]scale=1280:720,setsar=1\[v0\];\[s1\]scale=854:480,setsar=1\[v1\];\[s2\]scale=426:240,setsar=1\[v2\];/)
  t.same(args.flatMap((a, i) => a === '-map' ? [args[i + 1]] : []), ['[v0]', '[v1]', '[v2]', '[a0]', '[a1]', '[a2]'])
  t.equal(valueOf(args, '-var_stream_map'), 'v:0,a:0,name:720p v:1,a:1,name:480p v:2,a:2,name:240p')
  t.equal(valueOf(args, '-b:v:0'), '3000k')
  t.equal(valueOf(args, '-maxrate:v:2'), '440k')
  t.equal(valueOf(args, '-b:a:1'), '96k')
  t.equal(valueOf(args, '-level:v:0'), '3.1')
  t.equal(valueOf(args, '-hls_segment_filename'), 'output/live01/%v/%d.ts')
  t.equal(args[args.length - 1], 'output/live01/%v/.ffmpeg.m3u8')
  t.equal(valueOf(args, '-hls_flags'), 'independent_segments+temp_file+delete_segments')
  t.equal(valueOf(args, '-hls_list_size'), '6')
  t.equal(valueOf(args, '-hls_delete_threshold'), '15')
  t.equal(args.filter((a) => a === '-map').length, 6)
  t.equal(valueOf(args, '-y'), '-loglevel', 'overwrites the previous run')
  t.equal(valueOf(args, '-progress'), 'pipe:1')
})

t.test('audio frames sit on the epoch grid: 768 samples of silence lead a run that starts 2 s past it', async (t) => {
  // 1_700_000_000 s is 79_687_500_000 frames of 1024 samples; 2 s later is 93.75 frames on
  const onGrid = valueOf(buildFfmpegArgs({ ...base, t0Ms: 1_700_000_000_000, startMsn: 850_000_000 }), '-filter_complex')
  t.match(onGrid, /;\[ca\]asplit=3\[a0\]\[a1\]\[a2\]$/, 'no lead on the grid')
  const offGrid = valueOf(buildFfmpegArgs(base), '-filter_complex')
  t.match(offGrid, /;anullsrc=channel_layout=stereo:sample_rate=48000,atrim=end_sample=768\[lead\];\[lead\]\[ca\]concat=n=2:v=0:a=1,asettb=1\/48000,asetpts=PTS-768,asplit=3\[a0\]\[a1\]\[a2\]$/)
})

t.test('a one-rung ladder writes flat into the signal folder', async (t) => {
  const ladder = parseLadder('240p:426x240:400')
  const args = buildFfmpegArgs({ ...base, ladder })
  t.equal(valueOf(args, '-var_stream_map'), undefined)
  t.equal(valueOf(args, '-hls_segment_filename'), 'output/live01/%d.ts')
  t.equal(args[args.length - 1], 'output/live01/.ffmpeg.m3u8')
  t.equal(renditionDir('output/live01', ladder, ladder[0]!), 'output/live01')
  const three = parseLadder(DEFAULT_LADDER)
  t.equal(renditionDir('output/live01', three, three[1]!), 'output/live01/480p')
})

t.test('progress lines give the encoder speed', async (t) => {
  t.equal(parseProgressSpeed('speed=0.998x'), 0.998)
  t.equal(parseProgressSpeed('speed=   1x'), 1)
  t.equal(parseProgressSpeed('speed=N/A'), undefined)
  t.equal(parseProgressSpeed('frame=12'), undefined)
})
