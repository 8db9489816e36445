import { startMain } from '../../internal/lifecycle/start-main.js'
import { FleetWorkerService } from '../../internal/worker/fleet-worker-service.js'
import { loadWorkerConfig } from '../../internal/worker/worker-config.js'
import { WorkerService } from '../../internal/worker/worker-service.js'

// WORKER_ID makes it a fleet worker (streams from the assigner); without it, one stream alone
await startMain('worker', loadWorkerConfig, (config, log) => config.fleet !== undefined ? new FleetWorkerService(config, config.fleet, log) : new WorkerService(config, log))
