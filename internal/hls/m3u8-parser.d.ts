// m3u8-parser ships no types; only the part of its manifest our parser reads is declared.
declare module 'm3u8-parser' {
  export interface M3u8Segment {
    uri?: string
    duration?: number
    discontinuity?: boolean
    programDateTime?: number
    dateTimeString?: string
  }
  export interface M3u8Variant {
    uri?: string
    attributes?: Record<string, unknown>
  }
  export interface M3u8Manifest {
    version?: number
    targetDuration?: number
    mediaSequence?: number
    discontinuitySequence?: number
    endList?: boolean
    independentSegments?: boolean
    segments: M3u8Segment[]
    playlists?: M3u8Variant[]
  }
  export class Parser {
    constructor (opts?: { uri?: string })
    manifest: M3u8Manifest
    on (event: 'warn' | 'info' | 'error', listener: (event: { message: string }) => void): void
    push (chunk: string): void
    end (): void
  }
}
