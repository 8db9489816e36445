import { readFile } from 'node:fs/promises'
import { ConfigError } from '../config/config-error.js'
import { parseStreamDefinition, type StreamDefinition } from './stream-definition.js'

/**
 * Reads STREAMS_FILE: a JSON array of stream definitions, or `{"streams": [...]}`. Every
 * definition is checked before any is used, so a typo stops the start instead of half a lineup.
 */
export async function loadStreamsFile (path: string, variable = 'STREAMS_FILE'): Promise<StreamDefinition[]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new ConfigError(variable, `cannot read '${path}': ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new ConfigError(variable, `'${path}' is not JSON: ${(err as Error).message}`)
  }
  return parseStreamList(parsed, variable)
}

export function parseStreamList (parsed: unknown, variable: string): StreamDefinition[] {
  const list = Array.isArray(parsed) ? parsed : (parsed as { streams?: unknown } | null)?.streams
  if (!Array.isArray(list)) throw new ConfigError(variable, 'must hold a JSON array of stream definitions, or {"streams": [...]}')
  const streams = list.map((item, index) => parseStreamDefinition(item, `${variable}[${index}]`))
  const seen = new Set<string>()
  for (const { name } of streams) {
    if (seen.has(name)) throw new ConfigError(variable, `stream '${name}' is defined twice`)
    seen.add(name)
  }
  return streams
}
