import type { SqlStore } from '../store/types.js';
import { postgresDeployStore } from './postgres.js';
import { sqliteDeployStore } from './sqlite.js';
import type { DeployStore } from './store.js';

/** The deploy store for a service on a SQL store (own migrations must be applied). */
export function openDeployStore(store: SqlStore, service: string): DeployStore {
  return store.kind === 'sqlite'
    ? sqliteDeployStore(store, service)
    : postgresDeployStore(store, service);
}
