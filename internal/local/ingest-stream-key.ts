import { randomBytes } from 'node:crypto'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { parseStreamDefinition } from '../streams/stream-definition.js'
import { isSrtPassphrase, SRT_PASSPHRASE_LENGTH } from '../ingest/srt-listener-spec.js'
import { INGEST_SRT_PORT, INGEST_STREAMS_FILE, ingestStreamsFile } from './ingest-components.js'

/**
 * Writes the ingest profile's stream definition with its key (STREAM_KEY, or one made now) and
 * tells the user where to publish. A key the reporter would refuse stops here, with its reason.
 */
export async function prepareIngestStream (env: NodeJS.ProcessEnv = process.env, out: NodeJS.WritableStream = process.stdout): Promise<string> {
  const given = env.STREAM_KEY
  const key = given !== undefined && given !== '' ? given : randomBytes(12).toString('base64url')
  try {
    parseStreamDefinition({ name: 'live01', source: { push: true }, stream_key: key }, 'STREAM_KEY')
  } catch (err) {
    throw new Error(`run-local: ${(err as Error).message.replace('STREAM_KEY.stream_key', 'STREAM_KEY')}`)
  }
  await mkdir(dirname(INGEST_STREAMS_FILE), { recursive: true })
  await writeFile(INGEST_STREAMS_FILE, ingestStreamsFile(key), { mode: 0o600 })
  out.write([
    '',
    `live01 ${given !== undefined && given !== '' ? 'uses STREAM_KEY' : 'got a new stream key (set STREAM_KEY to choose one)'}: ${key}`,
    `  publish: ffmpeg -re -stream_loop -1 -i assets/stream.mp4 -c copy -f flv rtmp://127.0.0.1:1935/live/${key}`,
    '  (OBS: Settings > Stream > Custom, server rtmp://127.0.0.1:1935/live, stream key as above)',
    srtLine(key),
    '  play:    http://127.0.0.1:8001/live01/playlist.m3u8 (the slate until a publish arrives)',
    ''
  ].join('\n'))
  return key
}

function srtLine (key: string): string {
  const { min, max } = SRT_PASSPHRASE_LENGTH
  if (!isSrtPassphrase(key)) return `  SRT:     not for this key: an SRT passphrase is ${min}-${max} characters (RTMP takes it)`
  return `  or SRT:  ffmpeg -re -stream_loop -1 -i assets/stream.mp4 -c copy -f mpegts 'srt://127.0.0.1:${INGEST_SRT_PORT}?passphrase=${key}'`
}
