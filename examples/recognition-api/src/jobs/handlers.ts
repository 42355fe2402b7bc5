import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import type { JobContext } from '../../../../src/jobs/handlers.js';
import type { CursorPosition } from '../cursor.js';
import { toView } from '../recognition.js';
import type { RecognitionRepository } from '../repository/index.js';

export const EXPORT_JOB = 'export-recognitions';
export const CLEANUP_JOB = 'cleanup-old-recognitions';
/** Recognitions older than this are deleted by the daily cleanup. */
export const DEFAULT_RETENTION_DAYS = 90;
/** Rows read per page while exporting. */
export const EXPORT_PAGE_SIZE = 500;

export interface ExportPayload {
  orgId: string;
}

/** Where a finished export is: the job's result. */
export interface ExportResult {
  /** The NDJSON file, as the service names it (under its exports directory). */
  path: string;
  records: number;
}

/**
 * The `export-recognitions` handler: writes every recognition of the organization, newest
 * first, one v2 JSON object per line, to `<dir>/<orgId>-<jobId>.ndjson`. The file is written
 * under a temporary name and renamed at the end, so a file that exists is complete; a second
 * run of the same job (at-least-once delivery) writes the same file again. Progress is the
 * number of records written so far.
 */
export function exportRecognitions(repo: RecognitionRepository, dir: string) {
  return async (
    payload: ExportPayload,
    { job, signal, progress }: JobContext<ExportPayload>,
  ): Promise<ExportResult> => {
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, `${payload.orgId}-${job.id}.ndjson`);
    const partial = `${file}.partial`;
    const out = createWriteStream(partial, { encoding: 'utf8', mode: 0o600 });
    let records = 0;
    try {
      let cursor: CursorPosition | undefined;
      do {
        signal.throwIfAborted();
        const page = await repo.list(payload.orgId, { limit: EXPORT_PAGE_SIZE, cursor });
        for (const recognition of page) {
          if (!out.write(`${JSON.stringify(toView(recognition))}\n`)) {
            await new Promise<void>((resolve) => out.once('drain', () => resolve()));
          }
        }
        records += page.length;
        await progress(records);
        const last = page.at(-1);
        cursor =
          page.length === EXPORT_PAGE_SIZE && last
            ? { createdAt: last.createdAt, id: last.id }
            : undefined;
      } while (cursor);
      out.end();
      await finished(out);
      await rename(partial, file);
    } catch (error) {
      out.destroy();
      await rm(partial, { force: true });
      throw error;
    }
    return { path: file, records };
  };
}

/** The `cleanup-old-recognitions` handler: deletes recognitions older than the retention. */
export function cleanupOldRecognitions(
  repo: RecognitionRepository,
  retentionDays: number = DEFAULT_RETENTION_DAYS,
  now: () => number = Date.now,
) {
  return async (): Promise<{ deleted: number; before: string }> => {
    const before = new Date(now() - retentionDays * 86_400_000).toISOString();
    return { deleted: await repo.deleteCreatedBefore(before), before };
  };
}
