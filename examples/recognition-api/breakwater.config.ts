/**
 * Breakwater in front of the recognition API: `breakwater up --config
 * examples/recognition-api/breakwater.config.ts` owns port 8080 (or PORT), runs the API on a
 * free port it picks, and deploys new versions blue-green (`breakwater deploy`). State, the
 * SQLite store the API shares and the generated admin token live in `.breakwater/` here.
 */
import { defineConfig } from '../../src/config/define-config.js';

export default defineConfig({
  service: 'recognition-api',
  app: {
    // One process (no tsx CLI wrapper), so SIGTERM reaches the API's own graceful shutdown.
    command: [process.execPath, '--import', 'tsx', 'src/main.ts'],
    cwd: '.',
    label: 'v1',
    healthPath: '/ready',
  },
  deploy: {
    timeoutMs: 60_000, // first start migrates and seeds the store
    smoke: [{ method: 'GET', path: '/health', expectStatus: 200 }],
  },
});
