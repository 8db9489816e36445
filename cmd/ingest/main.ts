import { startMain } from '../../internal/lifecycle/start-main.js'
import { loadIngestConfig } from '../../internal/ingest/ingest-config.js'
import { IngestService } from '../../internal/ingest/ingest-service.js'

// nginx with the RTMP module takes publishers' pushes; its callbacks check stream keys here
await startMain('ingest', loadIngestConfig, (config, log) => new IngestService(config, log))
