import { Argument, type Command } from 'commander';
import os from 'node:os';
import { errorMessage, formatIssues, ValidationError } from '../../platform/errors.ts';
import { ISSUES_SHOWN } from '../../ingest/http-client.ts';
import { createProgressReporter } from '../../ingest/ingest-progress.ts';
import { IngestRequestSchema, parseSolRange } from '../../timelapse/ingest-request.ts';
import { ROVERS, SOURCES, type Source } from '../../timelapse/raw-objects.ts';
import { Topics, type IngestionRun } from '../../timelapse/topics.ts';
import { OpsStore } from '../../warehouse/ops/ops-store.ts';
import { ingestionRun } from '../../ingest/ingestion-run.ts';
import { runIngest, type IngestSummary } from '../../ingest/run-ingest.ts';
import { requireSource } from '../../ingest/source-routing.ts';
import { nasaHttpClient } from '../../workers/ingest/nasa-http-client.ts';
import { withRuntime, type CommandContext } from '../context.ts';

interface IngestOptions {
  rover: string;
  sols?: string;
  force?: boolean;
  json?: boolean;
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

export function summaryLine(summary: IngestSummary): string {
  const parts = [
    count(summary.requests, 'request'),
    count(summary.records, 'record'),
    `${summary.quarantined} quarantined`,
    `${count(summary.objectKeys.length, 'object')} written`,
  ];
  if (summary.skippedSols.length > 0) parts.push(`${count(summary.skippedSols.length, 'sol')} skipped (already ingested)`);
  const quarantine = summary.quarantineKey ? ` (quarantine: ${summary.quarantineKey})` : '';
  return `ingested ${summary.source} for ${summary.rover}: ${parts.join(', ')}${quarantine}`;
}

/**
 * Adds a run to the history the pipeline page shows. With Kafka configured it goes on
 * `ingestion-runs` for the ops role to record, as a queued job's does; on embedded parts it is
 * written straight into MARS_OPS. A history that cannot be written (the warehouse held by a
 * running service) is a warning: the objects are in the store either way.
 */
async function recordRun(run: IngestionRun, { config, runtime, logger }: CommandContext): Promise<void> {
  try {
    if (config.kafka.brokers) await (await runtime.producer()).publish(Topics.ingestionRuns, run, `${run.source}/${run.rover}`);
    else await new OpsStore(await runtime.warehouse()).recordIngestRun(run);
  } catch (error) {
    logger.warn({ error: errorMessage(error) }, 'this run is not in the run history (MARS_OPS.INGEST_RUNS): the warehouse or Kafka did not take it');
  }
}

/** The history's id for a run from the command line: unlike a job's, it has no queue or attempt. */
const cliRunId = (startedAt: string) => `cli/${os.hostname()}/${process.pid}/${startedAt}`;

export function register(program: Command): void {
  program
    .command('ingest')
    .description('fetch NASA records (classic photos API, manifests, MMGIS traverse, raw-image feeds) into the object store as raw JSON')
    .addArgument(new Argument('<source>', 'what to fetch').choices([...SOURCES]))
    .requiredOption('--rover <rover>', `one of ${ROVERS.join(', ')}`)
    .option('--sols <range>', 'a sol or a range like 100-120 (photos and feed)')
    .option('--force', 'fetch again sols that are already ingested')
    .option('--json', 'print the summary as JSON instead of a line')
    .addHelpText(
      'after',
      '\nSources read their root URL from MARS_RAW_BASE_URL (feed: Perseverance and Curiosity; default https://mars.nasa.gov),\n' +
        'MMGIS_BASE_URL (traverse; default https://mars.nasa.gov/mmgis-maps) and NASA_API_BASE_URL (photos and\n' +
        'manifests: a mirror of the classic API, the only source for Spirit and Opportunity); `mars replay` serves all of them.',
    )
    .action(async (source: Source, options: IngestOptions) => {
      const parsed = IngestRequestSchema.safeParse({
        source,
        rover: options.rover.toLowerCase(),
        ...(options.sols ? parseSolRange(options.sols) : {}),
        force: options.force ?? false,
      });
      if (!parsed.success) throw new ValidationError(`mars ingest ${source}: ${formatIssues(parsed.error.issues, ISSUES_SHOWN)}`);
      const request = parsed.data;

      const summary = await withRuntime(async (ctx) => {
        const { config, logger, runtime } = ctx;
        // Refused before anything starts: a rover the source never serves, or its variable set empty.
        requireSource(config, source, request.rover);
        const store = await runtime.objectStore();
        const http = nasaHttpClient(config, await runtime.answeringRedis(), logger);
        const progress = createProgressReporter(`ingest ${source} ${request.rover}`);
        const startedAt = new Date().toISOString();
        let settled: IngestionRun | undefined;
        try {
          return await runIngest(request, {
            config,
            store,
            http,
            logger,
            onProgress: (p) => progress.update(p),
            onSettled: (tally, error) => (settled = ingestionRun({ runId: cliRunId(startedAt), request, attempt: 1, summary: tally, startedAt, error })),
          });
        } finally {
          progress.stop();
          await http.close();
          if (settled) await recordRun(settled, ctx);
        }
      });
      process.stdout.write(options.json ? `${JSON.stringify(summary)}\n` : `${summaryLine(summary)}\n`);
    });
}
