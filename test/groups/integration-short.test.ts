// The short real-process tests (each under about ten seconds) in one process, one after another:
// a process of their own cost each about 2.5 s of a test slot for a few seconds of test.
import t from 'tap'
import { runTierFiles } from '../support/tier-files.js'

t.setTimeout(300_000)
await runTierFiles('integration', { only: ['short'] })
