import { mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/**
 * The one folder the embedded warehouse may read files from: the loader stages raw objects
 * here before `read_json`. DuckDB's `allowed_directories` names it, and everything else on the
 * host is closed to SQL (user queries included).
 */
export const STAGING_ROOT = path.join(os.tmpdir(), 'mars-warehouse-staging');

/** A new private folder under the staging root; the caller removes it. */
export async function stagingDir(prefix: string): Promise<string> {
  await mkdir(STAGING_ROOT, { recursive: true });
  return mkdtemp(path.join(STAGING_ROOT, prefix));
}
