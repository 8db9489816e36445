import { ConfigError } from '../config/config-error.js'
import { NAME_PATTERNS } from '../hls/names.js'

/** One rung of the ABR ladder. Bitrates are in kb/s. */
export interface Rendition {
  readonly name: string
  readonly width: number
  readonly height: number
  readonly videoKbps: number
  readonly audioKbps: number
}

export const DEFAULT_LADDER = '720p:1280x720:3000,480p:854x480:1400,240p:426x240:400'

const RUNG = /^([^:]+):(\d+)x(\d+):(\d+)(?::(\d+))?$/

/** Audio follows the picture: a small rendition is watched on a small link. */
function defaultAudioKbps (height: number): number {
  if (height >= 720) return 128
  if (height >= 480) return 96
  return 64
}

/**
 * Parses `name:WIDTHxHEIGHT:videoKbps[:audioKbps]`, comma-separated, into renditions.
 * `variable` is the env name the errors carry.
 */
export function parseLadder (text: string, variable = 'LADDER'): Rendition[] {
  const allowed = "a comma-separated list of name:WIDTHxHEIGHT:videoKbps[:audioKbps], e.g. '720p:1280x720:3000,240p:426x240:400'"
  const items = text.split(',').map((s) => s.trim()).filter((s) => s !== '')
  if (items.length === 0) throw new ConfigError(variable, `must be ${allowed}`)
  const ladder: Rendition[] = []
  for (const item of items) {
    const match = RUNG.exec(item)
    if (match === null) throw new ConfigError(variable, `'${item}' is not name:WIDTHxHEIGHT:videoKbps[:audioKbps]; expected ${allowed}`)
    const [, name = '', w = '', h = '', v = '', a] = match
    if (!NAME_PATTERNS.rendition.test(name)) {
      throw new ConfigError(variable, `rendition name '${name}' must be 1-64 letters, digits, '-' or '_', starting with a letter or digit`)
    }
    const width = Number(w)
    const height = Number(h)
    // H.264 4:2:0 needs even dimensions
    if (width < 16 || height < 16 || width > 3840 || height > 2160 || width % 2 !== 0 || height % 2 !== 0) {
      throw new ConfigError(variable, `'${item}': size must be even, from 16x16 to 3840x2160`)
    }
    const videoKbps = Number(v)
    if (videoKbps < 50 || videoKbps > 50_000) throw new ConfigError(variable, `'${item}': video bitrate must be 50..50000 kb/s`)
    const audioKbps = a === undefined ? defaultAudioKbps(height) : Number(a)
    if (audioKbps < 16 || audioKbps > 512) throw new ConfigError(variable, `'${item}': audio bitrate must be 16..512 kb/s`)
    if (ladder.some((r) => r.name === name)) throw new ConfigError(variable, `rendition name '${name}' appears twice`)
    ladder.push(Object.freeze({ name, width, height, videoKbps, audioKbps }))
  }
  return ladder
}
