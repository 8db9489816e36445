// The unit tier in one process (test/support/tier-files.ts says why).
import { runTierFiles } from '../support/tier-files.js'

await runTierFiles('unit')
