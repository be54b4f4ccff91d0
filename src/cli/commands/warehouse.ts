import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { buildWarehouse, type BuildProgress, type BuildSummary } from '../../warehouse/build-warehouse.ts';
import { runDataTests, type DataTestResult } from '../../warehouse/data-tests/run-data-tests.ts';
import { formatTable } from '../../warehouse/format-table.ts';
import { buildThroughService, openWarehouseOrService, ServiceWarehouse, type ServiceBuild } from '../../warehouse/service-warehouse.ts';
import { withRuntime } from '../context.ts';

/** A bar on a terminal, one line per stage change elsewhere (CI logs, pipes); both on stderr. */
function progressReporter(): { update(p: BuildProgress): void; stop(): void } {
  if (process.stderr.isTTY) {
    let bar: SingleBar | undefined;
    let stage = '';
    return {
      update(p) {
        if (p.stage !== stage) {
          bar?.stop();
          stage = p.stage;
          bar = new SingleBar({ format: `${p.stage.padEnd(6)} [{bar}] {value}/{total} {item}`, stream: process.stderr, hideCursor: true });
          bar.start(p.total, 0, { item: '' });
        }
        bar!.update(p.done, { item: p.item.slice(-60) });
      },
      stop: () => bar?.stop(),
    };
  }
  let stage = '';
  return {
    update(p) {
      if (p.stage !== stage) {
        stage = p.stage;
        process.stderr.write(`${p.stage}: ${p.total} to do\n`);
      }
      if (p.done === p.total) process.stderr.write(`${p.stage}: ${p.done}/${p.total} done\n`);
    },
    stop() {},
  };
}

/** Warnings first (data that looks wrong), then failures (a broken pipeline), each with sample rows. */
function printFindings(results: DataTestResult[]): void {
  for (const test of [...results.filter((t) => t.status === 'warn'), ...results.filter((t) => t.status === 'fail')]) {
    const rows = `${test.failures} ${test.status === 'warn' ? 'row' : 'failing row'}${test.failures === 1 ? '' : 's'}`;
    const what = test.error ? `could not run: ${test.error}` : rows;
    process.stdout.write(`${test.status === 'warn' ? 'WARN' : 'FAIL'} ${test.name} (${what})\n`);
    if (test.sample.length > 0) process.stdout.write(`${formatTable(test.sample)}\n`);
  }
}

/** `data tests: 40 passed, 0 failed`, after a `data tests warned: 3 …` line when warnings were found. */
function testsLine(counts: { passed: number; warned: number; failed: number }): string {
  const warned = counts.warned > 0 ? `data tests warned: ${counts.warned} (data that looks wrong, not a failure)\n` : '';
  return `${warned}data tests: ${counts.passed} passed, ${counts.failed} failed`;
}

function printBuild(summary: BuildSummary): void {
  const { load } = summary;
  process.stdout.write(
    `loaded ${load.loaded} raw object${load.loaded === 1 ? '' : 's'} (${load.rows} rows), ${load.skipped} already loaded, ${load.rejected} refused\n`,
  );
  for (const r of load.rejections) process.stdout.write(`REFUSED ${r.key}: ${r.reason}\n`);
  const merged = summary.models.reduce((n, m) => n + (m.merged ?? 0), 0);
  process.stdout.write(`built ${summary.models.length} models (${merged} rows merged into incremental models)\n`);
  process.stdout.write(
    formatTable(summary.models.map((m) => ({ model: m.relation, materialized: m.materialized, rows: m.rows, merged: m.merged ?? '', ms: Math.round(m.ms) }))) + '\n',
  );
  printFindings(summary.tests);
  process.stdout.write(`${testsLine({ passed: summary.testsPassed, warned: summary.testsWarned, failed: summary.testsFailed })} (${(summary.ms / 1000).toFixed(1)} s)\n`);
}

export function register(program: Command): void {
  const warehouse = program.command('warehouse').description('the Bronze/Silver/Gold warehouse');

  warehouse
    .command('build')
    .description('load pending raw objects into Bronze, build Silver and Gold, run the data tests (exit 1 if one fails)')
    .option('--json', 'print the summary as JSON')
    .action(async (options: { json?: boolean }) => {
      const summary = await withRuntime(async ({ config, runtime, logger }): Promise<BuildSummary | ServiceBuild> => {
        const warehouse = await openWarehouseOrService(config);
        // `mars serve` holds the embedded file: it builds, we report.
        if (warehouse instanceof ServiceWarehouse) return buildThroughService(warehouse.serviceUrl, warehouse.token);
        const progress = progressReporter();
        try {
          return await buildWarehouse({ warehouse, store: await runtime.objectStore(), logger, onProgress: (p) => progress.update(p) });
        } finally {
          progress.stop();
          await warehouse.close();
        }
      });
      if (options.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
      else if ('load' in summary) printBuild(summary);
      else {
        process.stdout.write(
          `built by mars serve: ${summary.loaded} raw objects loaded, ${summary.models} models, ${summary.testsFailed} data tests failed (${(summary.ms / 1000).toFixed(1)} s); run \`mars warehouse test\` for details\n`,
        );
      }
      if (!summary.ok) process.exitCode = 1;
    });

  warehouse
    .command('test')
    .description('run the data tests declared beside the models; show warnings (anomalies) and failures with their rows; exit 1 only on a failure')
    .option('--select <text>', 'only tests whose name contains this text')
    .option('--json', 'print the results as JSON')
    .action(async (options: { select?: string; json?: boolean }) => {
      const results = await withRuntime(async ({ config, logger }) => {
        const warehouse = await openWarehouseOrService(config);
        try {
          return await runDataTests({ warehouse, logger, select: options.select });
        } finally {
          await warehouse.close();
        }
      });
      const failed = results.filter((t) => t.status === 'fail').length;
      const warned = results.filter((t) => t.status === 'warn').length;
      if (options.json) process.stdout.write(`${JSON.stringify(results)}\n`);
      else {
        printFindings(results);
        process.stdout.write(`${testsLine({ passed: results.length - failed - warned, warned, failed })}\n`);
      }
      if (failed > 0) process.exitCode = 1;
    });
}
