import { HttpClient } from '../../ingest/http-client.ts';
import { runIngest, type IngestSummary } from '../../ingest/run-ingest.ts';
import type { Config } from '../../platform/config.ts';
import type { Logger } from '../../platform/logger.ts';
import type { ObjectStore } from '../../platform/object-store/object-store.ts';
import { buildWarehouse, type BuildSummary } from '../../warehouse/build-warehouse.ts';
import type { Warehouse } from '../../warehouse/warehouse.ts';
import { SAMPLE_INGESTS } from '../../timelapse/sample.ts';

export interface LoadSampleDeps {
  /** Configuration whose source URLs point at a replay server of the sample. */
  config: Config;
  store: ObjectStore;
  warehouse: Warehouse;
  logger: Logger;
  onStage?: (message: string) => void;
}

/** Ingests the sample through the replay server and builds the warehouse from it. */
export async function loadSample(deps: LoadSampleDeps): Promise<{ ingests: IngestSummary[]; build: BuildSummary }> {
  const http = HttpClient.fromConfig(deps.config, deps.logger);
  const ingests: IngestSummary[] = [];
  try {
    for (const request of SAMPLE_INGESTS) {
      deps.onStage?.(`ingesting ${request.source} of ${request.rover}${request.solStart !== undefined ? ` sol ${request.solStart}` : ''}`);
      ingests.push(await runIngest(request, { config: deps.config, store: deps.store, http, logger: deps.logger }));
    }
  } finally {
    await http.close();
  }
  deps.onStage?.('building the warehouse (Bronze, Silver, Gold, data tests)');
  const build = await buildWarehouse({ warehouse: deps.warehouse, store: deps.store, logger: deps.logger });
  return { ingests, build };
}
