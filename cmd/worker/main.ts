import { startMain } from '../../internal/lifecycle/start-main.js'
import { loadWorkerConfig } from '../../internal/worker/worker-config.js'
import { WorkerService } from '../../internal/worker/worker-service.js'

await startMain('worker', loadWorkerConfig, (config, log) => new WorkerService(config, log))
