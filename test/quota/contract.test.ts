import { afterAll, describe } from 'vitest';
import { migrateBreakwater } from '../../src/migrate/index.js';
import { openStore } from '../../src/store/open.js';
import { cleanupBackends, describeBackends } from '../support/backends.js';
import { quotaContract } from './contract.case.js';

afterAll(cleanupBackends);

describe('quota store contract [memory]', () => {
  quotaContract({ open: async () => ({ store: 'memory', close: async () => {} }) });
});

describeBackends('quota store contract', ['sqlite', 'postgres', 'redis'], (backend) => {
  quotaContract({
    open: async () => {
      const store = openStore(await backend.url());
      if (store.kind !== 'redis') await migrateBreakwater(store);
      return { store, close: () => store.close() };
    },
  });
});
