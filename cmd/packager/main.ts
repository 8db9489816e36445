import { loadPackagerConfig } from '../../internal/packager/packager-config.js'
import { PackagerService } from '../../internal/packager/packager-service.js'
import { startMain } from '../../internal/lifecycle/start-main.js'

await startMain('packager', loadPackagerConfig, (config, log) => new PackagerService(config, log))
