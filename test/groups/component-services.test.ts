// Every other component folder (discovery, edges, http, local, packager, process, reporter, worker)
// in one process (test/support/tier-files.ts says why).
import t from 'tap'
import { runTierFiles } from '../support/tier-files.js'

t.setTimeout(300_000)
await runTierFiles('component', { except: ['origin', 'hardening'] })
