import { loadDiscoveryConfig } from '../../internal/discovery/discovery-config.js'
import { DiscoveryService } from '../../internal/discovery/discovery-service.js'
import { startMain } from '../../internal/lifecycle/start-main.js'

await startMain('discovery', loadDiscoveryConfig, (config, log) => new DiscoveryService(config, log))
