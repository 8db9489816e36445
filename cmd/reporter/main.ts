import { startMain } from '../../internal/lifecycle/start-main.js'
import { loadReporterConfig } from '../../internal/reporter/reporter-config.js'
import { ReporterService } from '../../internal/reporter/reporter-service.js'

await startMain('reporter', loadReporterConfig, (config, log) => new ReporterService(config, log))
