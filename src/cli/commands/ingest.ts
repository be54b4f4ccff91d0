import { Argument, type Command } from 'commander';
import { formatIssues, ValidationError } from '../../platform/errors.ts';
import { ISSUES_SHOWN } from '../../ingest/http-client.ts';
import { createProgressReporter } from '../../ingest/ingest-progress.ts';
import { IngestRequestSchema, parseSolRange } from '../../timelapse/ingest-request.ts';
import { ROVERS, SOURCES, type Source } from '../../timelapse/raw-objects.ts';
import { runIngest, type IngestSummary } from '../../ingest/run-ingest.ts';
import { requireSource } from '../../ingest/source-routing.ts';
import { nasaHttpClient } from '../../workers/ingest/nasa-http-client.ts';
import { withRuntime } from '../context.ts';

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

      const summary = await withRuntime(async ({ config, logger, runtime }) => {
        // Refused before anything starts: a rover the source never serves, or its variable set empty.
        requireSource(config, source, request.rover);
        const store = await runtime.objectStore();
        const http = nasaHttpClient(config, await runtime.answeringRedis(), logger);
        const progress = createProgressReporter(`ingest ${source} ${request.rover}`);
        try {
          return await runIngest(request, { config, store, http, logger, onProgress: (p) => progress.update(p) });
        } finally {
          progress.stop();
          await http.close();
        }
      });
      process.stdout.write(options.json ? `${JSON.stringify(summary)}\n` : `${summaryLine(summary)}\n`);
    });
}
