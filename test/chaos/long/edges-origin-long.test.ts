import t from 'tap'
import { checkEdgesBehindOrigin } from '../../support/edges-origin-check.js'

// The long version of test/integration/edges-origin.test.ts: a minute of steady stream through the
// edges before one is killed, so rendezvous placement is checked over many more segments.
t.test('edges, 60 s: real nginx edges serve every listed segment; a SIGKILLed edge is replaced without a failed segment', { timeout: 300_000 }, async (t) => {
  await checkEdgesBehindOrigin(t, { steadyMs: 60_000, minSegments: 60 })
})
