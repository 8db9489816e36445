import { loadEdgesConfigForHost } from '../../internal/edges/edges-config.js'
import { EdgesService } from '../../internal/edges/edges-service.js'
import { startMain } from '../../internal/lifecycle/start-main.js'

await startMain('edges', loadEdgesConfigForHost, (config, log) => new EdgesService(config, log))
