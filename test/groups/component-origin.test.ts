// The origin's component tests in one process (test/support/tier-files.ts says why).
import t from 'tap'
import { runTierFiles } from '../support/tier-files.js'

t.setTimeout(300_000)
await runTierFiles('component', { only: ['origin'] })
