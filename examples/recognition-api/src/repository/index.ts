import type { SqlStore } from '../../../../src/store/types.js';
import { postgresRepository } from './postgres.js';
import { noSpan, type RecognitionRepository, type SpanRunner } from './repository.js';
import { sqliteRepository } from './sqlite.js';

export type { ListQuery, RecognitionRepository, SpanRunner, UserRef } from './repository.js';
export { noSpan } from './repository.js';

/** The repository for whichever SQL store the service was started on. */
export function openRepository(store: SqlStore, span: SpanRunner = noSpan): RecognitionRepository {
  return store.kind === 'sqlite' ? sqliteRepository(store, span) : postgresRepository(store, span);
}
