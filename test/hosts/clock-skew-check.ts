import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseMediaPlaylist, DEFAULT_PARSE_LIMITS } from '../../internal/hls/playlist-parser.js'
import { frameNumberOf } from '../support/worker-test-helpers.js'

export interface SkewComparison {
  /** MSN, and the number drawn in the first frame of that segment on each encoder host. */
  readonly segments: ReadonlyArray<{ readonly uri: string, readonly enc1: number, readonly enc2: number }>
  /** Segments whose first pictures differ: a viewer switched between the hosts there sees a skip or a repeat. */
  readonly mismatched: number
}

/**
 * Compares the newest `count` segments both packagers list for one rendition by the frame number
 * their first picture carries (the counter clip): equal numbers mean a switch between the hosts at
 * any of these MSNs shows no repeated or skipped picture, whatever the hosts' clocks say.
 */
export async function compareEncoderPictures (packagers: readonly [string, string], media: string, count: number): Promise<SkewComparison> {
  const lists = await Promise.all(packagers.map(async (base) => {
    const parsed = parseMediaPlaylist(await (await fetch(`${base}/${media}`)).text(), DEFAULT_PARSE_LIMITS)
    if (!parsed.ok) throw new Error(`${base}/${media}: ${parsed.reason}`)
    return parsed.playlist.segments.map((s) => s.uri)
  }))
  const common = (lists[0] ?? []).filter((uri) => (lists[1] ?? []).includes(uri)).slice(-count)
  const dir = await mkdtemp(join(tmpdir(), 'skew-'))
  try {
    const segments = []
    for (const uri of common) {
      const numbers = []
      for (const [i, base] of packagers.entries()) {
        const file = join(dir, `${i}.ts`)
        await writeFile(file, Buffer.from(await (await fetch(new URL(uri, `${base}/${media}`))).arrayBuffer()))
        numbers.push(await frameNumberOf(file))
      }
      segments.push({ uri, enc1: numbers[0] ?? -1, enc2: numbers[1] ?? -1 })
    }
    return { segments, mismatched: segments.filter((s) => s.enc1 !== s.enc2).length }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
