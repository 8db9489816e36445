import { startMain } from '../../internal/lifecycle/start-main.js'
import { loadOriginConfig } from '../../internal/origin/origin-config.js'
import { OriginService } from '../../internal/origin/origin-service.js'

await startMain('origin', loadOriginConfig, (config, log) => new OriginService(config, log))
