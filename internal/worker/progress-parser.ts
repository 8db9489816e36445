/**
 * Reads one line of ffmpeg `-progress` output and returns the encoder speed (1 = real time) when
 * the line carries it; `speed=N/A` and other keys give undefined.
 */
export function parseProgressSpeed (line: string): number | undefined {
  const match = /^speed=\s*(\d+(?:\.\d+)?)x\s*$/.exec(line.trim())
  return match === null ? undefined : Number(match[1])
}
