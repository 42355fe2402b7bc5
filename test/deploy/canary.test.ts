import path from 'node:path';
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import type { BreakwaterConfig } from '../../src/config/schema.js';
import { cleanupBackends, tempDir } from '../support/backends.js';
import { type CanarySample, startCanaryLoad } from './canary-load.js';
import {
  appArgv,
  appCommand,
  cli,
  eventually,
  get,
  servesLabel,
  startInProcess,
} from './support.js';

afterAll(cleanupBackends);

interface Event {
  phase: string;
  at: string;
  detail: Record<string, unknown> & { weight?: number; reason?: string };
}
interface Entry {
  id: number;
  label: string;
  strategy: string;
  emergency: boolean;
  outcome: string | null;
  reason: string | null;
  phases: Event[];
}

/** Short analysis settings so a step takes about a second; the defaults are tested in test/analysis. */
const canary = (extra: Record<string, unknown> = {}): BreakwaterConfig['canary'] => ({
  intervalMs: 1_500,
  checkEveryMs: 100,
  ...extra,
  analysis: {
    minSample: 20,
    triggers: { windowMs: 1_000, minRequests: 10 },
    // a fresh process on a busy 2-core machine is slower at first; regression tests set their own
    regression: { latencySlackMs: 150 },
    ...(extra.analysis as object),
  },
});

async function entry(adminUrl: string, id?: number): Promise<Entry> {
  const history = JSON.parse(
    (await cli(['history', '--admin', adminUrl, '--json'])).stdout,
  ) as Entry[];
  const found = id === undefined ? history[0] : history.find((e) => e.id === id);
  if (found === undefined) throw new Error(`no deploy ${id}`);
  return found;
}

/** `breakwater deploy --strategy canary ...` through the router's admin API. */
const deployCanary = (adminUrl: string, args: string[]) =>
  cli(['deploy', '--admin', adminUrl, '--strategy', 'canary', ...args]);

const at = (event: Event | undefined) => Date.parse(event?.at ?? 'x');

/** Share of cookie-less requests answered by `label` in [from, to). */
function share(samples: CanarySample[], label: string, from: number, to: number) {
  const inside = samples.filter((s) => s.client === undefined && s.at >= from && s.at < to);
  return {
    n: inside.length,
    share: inside.filter((s) => s.label === label).length / inside.length,
  };
}

describe('canary rollouts through the real router (real processes, load on loopback)', () => {
  it('a healthy canary walks 10 -> 50 -> 100 with traffic split by weight and sticky clients kept', async () => {
    const root = tempDir();
    const bw = await startInProcess(root, {
      store: `sqlite:${path.join(root, 'state.db')}`,
      canary: canary({ intervalMs: 2_500 }),
    });
    onTestFailed(() => console.log(bw.sink.lines.slice(-60).join('\n')));
    try {
      await servesLabel(bw.routerUrl, 'v1', 60_000);
      const anonymous = startCanaryLoad(bw.routerUrl, { rps: 200 });
      const early = startCanaryLoad(bw.routerUrl, { rps: 0, clients: 8, clientPauseMs: 40 });
      const deployed = deployCanary(bw.adminUrl, [
        '--steps',
        '10,50,100',
        '--label',
        'v2',
        '--command',
        appCommand('v2'),
      ]);
      // more sticky clients arrive at the 50 % step, so some of them land on v2: 16, each
      // drawn at 50 %, so that none does only once in 65,536 runs (with 8 it failed a CI run)
      await eventually(async () => {
        const status = JSON.parse((await cli(['status', '--admin', bw.adminUrl, '--json'])).stdout);
        if (status.deploying?.progress.rollout?.weight !== 50) throw new Error('not at 50 % yet');
      }, 60_000);
      const late = startCanaryLoad(bw.routerUrl, { rps: 0, clients: 16, clientPauseMs: 80 });
      const result = await deployed;
      expect(result.code, result.stderr).toBe(0);
      const samples = [
        ...(await anonymous.stop()),
        ...(await early.stop()),
        ...(await late.stop()).map((s) => ({ ...s, client: (s.client as number) + 100 })),
      ];
      const record = await entry(bw.adminUrl);
      expect(record.outcome).toBe('promoted');
      expect(record.strategy).toBe('canary');
      const steps = record.phases.filter((p) => p.phase === 'step');
      expect(steps.map((p) => p.detail.weight)).toEqual([10, 50]);
      const verdicts = record.phases.filter((p) => p.phase === 'verdict');
      expect(verdicts.at(-1)?.detail.verdict).toMatchObject({ result: 'pass' });
      const switched = at(record.phases.find((p) => p.phase === 'switching'));

      // each weight, measured on cookie-less requests (a little after the switch settles)
      const bounds = [at(steps[0]), at(steps[1]), switched];
      for (const [i, weight] of [10, 50].entries()) {
        const { n, share: measured } = share(
          samples,
          'v2',
          (bounds[i] as number) + 100,
          bounds[i + 1] as number,
        );
        const sigma = Math.sqrt(((weight / 100) * (1 - weight / 100)) / n);
        expect(n).toBeGreaterThan(200);
        expect(Math.abs(measured - weight / 100), `${weight}%: ${measured} of ${n}`).toBeLessThan(
          3 * sigma + 0.01,
        );
      }
      // from their first answer in the rollout on, sticky clients never change version before
      // the switch; both versions have some
      const byClient = new Map<number, Set<string>>();
      for (const s of samples) {
        if (s.client === undefined || s.label === undefined) continue;
        if (s.at <= (bounds[0] as number) + 100 || s.at >= switched) continue;
        const set = byClient.get(s.client) ?? new Set<string>();
        set.add(s.label);
        byClient.set(s.client, set);
      }
      const sets = [...byClient.values()];
      expect(sets.length).toBe(24);
      for (const set of sets) expect(set.size).toBe(1);
      expect(sets.some((set) => set.has('v2'))).toBe(true);
      expect(sets.some((set) => set.has('v1'))).toBe(true);
      expect(samples.filter((s) => s.status !== 200)).toEqual([]);
      await servesLabel(bw.routerUrl, 'v2');
    } finally {
      await bw.close();
    }
  }, 120_000);

  it('a canary failing 20 % of requests is rolled back within one interval and no blue request fails', async () => {
    const root = tempDir();
    const bw = await startInProcess(root, {
      store: `sqlite:${path.join(root, 'state.db')}`,
      canary: canary({
        intervalMs: 3_000,
        analysis: { triggers: { windowMs: 1_000, minRequests: 10, errorRate: { sustainMs: 300 } } },
      }),
    });
    onTestFailed(() => console.log(bw.sink.lines.slice(-60).join('\n')));
    try {
      await servesLabel(bw.routerUrl, 'v1', 60_000);
      const load = startCanaryLoad(bw.routerUrl, { rps: 250 });
      const result = await deployCanary(bw.adminUrl, [
        '--label',
        'v2',
        '--command',
        appCommand('v2', '--fail-rate', '0.2'),
      ]);
      const samples = await load.stop();
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/rolled-back: error-rate trigger: error rate/);
      const record = await entry(bw.adminUrl);
      expect(record.outcome).toBe('rolled-back');
      const end = record.phases.at(-1) as Event;
      expect(end.detail).toMatchObject({ trigger: 'error-rate', weight: 10 });
      const rate = (end.detail.figures as { errorRate: number }).errorRate;
      expect(rate).toBeGreaterThan(0.1);
      expect(rate).toBeLessThan(0.3);
      const step = record.phases.find((p) => p.phase === 'step');
      expect(at(end) - at(step)).toBeLessThan(3_000);
      // the only failures are the canary's own answers; blue never failed
      expect(samples.filter((s) => s.label === 'v1' && s.status !== 200)).toEqual([]);
      expect(samples.filter((s) => s.status === 0)).toEqual([]);
      expect(samples.some((s) => s.label === 'v2' && s.status === 500)).toBe(true);
      await servesLabel(bw.routerUrl, 'v1', 60_000);
      const status = JSON.parse((await cli(['status', '--admin', bw.adminUrl, '--json'])).stdout);
      expect(status.active.label).toBe('v1');
      expect(status.deploying).toBeNull();
    } finally {
      await bw.close();
    }
  }, 120_000);

  it('a canary 3x slower than blue fails the regression check; one whose health fails is rolled back on the third failure', async () => {
    const root = tempDir();
    const bw = await startInProcess(root, {
      store: `sqlite:${path.join(root, 'state.db')}`,
      app: { command: appArgv('v1', '--latency', '40'), healthPath: '/health' },
      canary: canary({
        intervalMs: 2_000,
        analysis: {
          regression: { latencySlackMs: 5 },
          mannWhitney: { enabled: true, confidence: 0.98 },
        },
      }),
    });
    onTestFailed(() => console.log(bw.sink.lines.slice(-60).join('\n')));
    try {
      await servesLabel(bw.routerUrl, 'v1', 60_000);
      const load = startCanaryLoad(bw.routerUrl, { rps: 200 });
      const slow = await deployCanary(bw.adminUrl, [
        '--label',
        'v2',
        '--command',
        appCommand('v2', '--latency', '120'),
      ]);
      expect(slow.code).toBe(1);
      const slowRecord = await entry(bw.adminUrl);
      expect(slowRecord.outcome).toBe('rolled-back');
      expect(slowRecord.reason).toMatch(/step 10% failed its analysis: .*p95-latency/);
      const verdict = slowRecord.phases.filter((p) => p.phase === 'verdict').at(-1)?.detail
        .verdict as {
        result: string;
        checks: Array<{ name: string; passed: boolean; ratio: number }>;
        mannWhitney?: { outcome: string; confidence: number; pValue: number };
      };
      expect(verdict.result).toBe('fail');
      const p95 = verdict.checks.find((c) => c.name === 'p95-latency');
      expect(p95?.passed).toBe(false);
      expect(p95?.ratio).toBeGreaterThan(1.2);
      expect(verdict.mannWhitney).toMatchObject({ outcome: 'higher', confidence: 0.98 });
      expect(verdict.checks.find((c) => c.name === 'mann-whitney')?.passed).toBe(false);

      const sick = await deployCanary(bw.adminUrl, [
        '--interval',
        '60s',
        '--label',
        'v3',
        '--command',
        appCommand('v3', '--latency', '40', '--health-fail-after', '1500'),
      ]);
      const samples = await load.stop();
      expect(sick.code).toBe(1);
      const sickRecord = await entry(bw.adminUrl);
      expect(sickRecord.outcome).toBe('rolled-back');
      const end = sickRecord.phases.at(-1) as Event;
      expect(end.detail).toMatchObject({ trigger: 'health', figures: { failures: 3 } });
      expect(sickRecord.reason).toMatch(/health trigger: 3 consecutive failed health checks/);
      expect(samples.filter((s) => s.label === 'v1' && s.status !== 200)).toEqual([]);
      expect(samples.filter((s) => s.status === 0)).toEqual([]);
    } finally {
      await bw.close();
    }
  }, 120_000);

  it('a slow canary steps down and pauses on the mean-latency trigger, then rolls back below the first step', async () => {
    const root = tempDir();
    const bw = await startInProcess(root, {
      store: `sqlite:${path.join(root, 'state.db')}`,
      canary: canary({
        intervalMs: 1_000,
        analysis: {
          // the verdicts pass (no latency comparison) after one interval each
          minSample: 5,
          regression: { p95Ratio: 1_000, throughputRatio: 0.01 },
          triggers: {
            windowMs: 1_000,
            minRequests: 5,
            meanLatency: { aboveMs: 150, sustainMs: 2_500 },
          },
        },
      }),
    });
    onTestFailed(() => console.log(bw.sink.lines.slice(-60).join('\n')));
    try {
      await servesLabel(bw.routerUrl, 'v1', 60_000);
      const load = startCanaryLoad(bw.routerUrl, { rps: 200 });
      const result = await deployCanary(bw.adminUrl, [
        '--steps',
        '10,50,pause,100', // the gate holds it at 50 % until the trigger fires
        '--label',
        'v2',
        '--command',
        appCommand('v2', '--latency', '250'),
      ]);
      const samples = await load.stop();
      expect(result.code).toBe(1);
      const record = await entry(bw.adminUrl);
      expect(record.outcome).toBe('rolled-back');
      expect(record.reason).toMatch(
        /mean-latency trigger at the first step: mean latency [0-9.]+ ms above 150 ms/,
      );
      const moves = record.phases
        .filter((p) => p.phase === 'step' || p.phase === 'paused')
        .map((p) => `${p.phase} ${p.detail.weight}`);
      expect(moves).toEqual(['step 10', 'step 50', 'paused 50', 'step 10', 'paused 10']);
      const down = record.phases.filter((p) => p.phase === 'step')[2] as Event;
      expect(String(down.detail.stepDown)).toMatch(/^mean-latency trigger: /);
      expect(samples.filter((s) => s.status !== 200)).toEqual([]);
    } finally {
      await bw.close();
    }
  }, 120_000);

  it('pause steps, pause, resume, promote and abort work mid-rollout, also after a router restart', async () => {
    const root = tempDir();
    const store = `sqlite:${path.join(root, 'state.db')}`;
    const config = {
      store,
      canary: canary({
        intervalMs: 800,
        analysis: { minSample: 5 },
        targeting: [
          { header: 'x-canary', value: 'always', to: 'canary' as const },
          { cookie: 'no_canary', value: '1', to: 'stable' as const },
        ],
      }),
    };
    let bw = await startInProcess(root, config);
    onTestFailed(() => console.log(bw.sink.lines.slice(-60).join('\n')));
    const admin = () => ['--admin', bw.adminUrl];
    const status = async () =>
      JSON.parse((await cli(['status', ...admin(), '--json'])).stdout) as {
        active: { label: string };
        deploying: {
          label: string;
          progress: { rollout?: { weight: number; paused: { by: string } | null } };
        } | null;
      };
    const until = (check: (s: Awaited<ReturnType<typeof status>>) => boolean, what: string) =>
      eventually(async () => {
        const s = await status();
        if (!check(s)) throw new Error(`${what}: ${JSON.stringify(s.deploying?.progress)}`);
      }, 60_000);
    let load = startCanaryLoad(bw.routerUrl, { rps: 100 });
    try {
      await servesLabel(bw.routerUrl, 'v1', 60_000);
      // an approval gate: the rollout waits at 10 % for an operator
      const gated = deployCanary(bw.adminUrl, [
        '--steps',
        '10,pause,50,100',
        '--label',
        'v2',
        '--command',
        appCommand('v2'),
      ]);
      await until((s) => s.deploying?.progress.rollout?.paused?.by === 'pause step', 'gate');
      await new Promise((resolve) => setTimeout(resolve, 2_000)); // more than two intervals
      expect((await status()).deploying?.progress.rollout?.weight).toBe(10);
      // targeting: testers always reach the canary, opted-out clients never do
      for (let i = 0; i < 10; i++) {
        const tester = await fetch(bw.routerUrl, { headers: { 'x-canary': 'always' } });
        expect(((await tester.json()) as { label: string }).label).toBe('v2');
        const optedOut = await fetch(bw.routerUrl, { headers: { cookie: 'no_canary=1' } });
        expect(((await optedOut.json()) as { label: string }).label).toBe('v1');
      }
      expect((await cli(['resume', ...admin()])).code).toBe(0);
      await until((s) => s.deploying?.progress.rollout?.weight === 50, 'step 50');
      const notPaused = await cli(['resume', ...admin()]);
      expect(notPaused.code).toBe(1);
      expect(notPaused.stderr).toMatch(/is not paused \(step 50%\) \[BW_DEPLOY_NOT_PAUSED\]/);
      const promoted = await cli(['promote', ...admin()]);
      expect(promoted.code, promoted.stderr).toBe(0);
      expect((await gated).code).toBe(0);
      const first = await entry(bw.adminUrl);
      expect(first.outcome).toBe('promoted');
      expect(first.phases.map((p) => p.phase)).toEqual(
        expect.arrayContaining(['step', 'paused', 'resumed', 'switching', 'promoted']),
      );
      expect(first.phases.find((p) => p.phase === 'switching')?.detail.by).toMatch(/@/);
      await servesLabel(bw.routerUrl, 'v2');

      // paused by an operator, then the router restarts: still paused at 10 %, then resumed
      const interrupted = deployCanary(bw.adminUrl, [
        '--interval',
        '60s',
        '--label',
        'v3',
        '--command',
        appCommand('v3'),
      ]);
      await until((s) => s.deploying?.progress.rollout?.weight === 10, 'v3 at 10 %');
      expect((await cli(['pause', ...admin()])).code).toBe(0);
      await until((s) => s.deploying?.progress.rollout?.paused !== null, 'paused');
      const v3 = (await entry(bw.adminUrl)).id;
      await load.stop();
      await bw.close();
      expect((await interrupted).code).not.toBe(0); // the follower loses its router
      bw = await startInProcess(root, config);
      await servesLabel(bw.routerUrl, 'v2', 60_000);
      load = startCanaryLoad(bw.routerUrl, { rps: 100 });
      await until(
        (s) => s.deploying?.label === 'v3' && s.deploying.progress.rollout?.weight === 10,
        'v3 resumed at 10 %',
      );
      expect((await status()).deploying?.progress.rollout?.paused?.by).toMatch(/@/);
      await eventually(async () => {
        const response = await fetch(bw.routerUrl, { headers: { 'x-canary': 'always' } });
        expect(((await response.json()) as { label: string }).label).toBe('v3');
      });
      expect((await cli(['resume', ...admin()])).code).toBe(0);
      await until((s) => s.deploying?.progress.rollout?.paused === null, 'resumed');
      const aborted = await cli(['abort', ...admin()]);
      expect(aborted.code).toBe(0);
      const v3Record = await entry(bw.adminUrl, v3);
      expect(v3Record.outcome).toBe('aborted');
      const resumed = v3Record.phases.filter((p) => p.phase === 'resumed');
      expect(resumed.map((p) => p.detail.reason ?? p.detail.by)).toEqual([
        'router restarted',
        expect.stringMatching(/@/),
      ]);
      await servesLabel(bw.routerUrl, 'v2');
      const after = await load.stop();
      expect(after.filter((s) => s.status !== 200)).toEqual([]);
    } finally {
      await load.stop();
      await bw.close();
    }
  }, 120_000);

  it('an emergency deploy skips the steps but keeps the health gate; bad canary requests are refused clearly', async () => {
    const root = tempDir();
    const bw = await startInProcess(root, {
      store: `sqlite:${path.join(root, 'state.db')}`,
      deploy: { timeoutMs: 3_000 },
      canary: canary(),
    });
    onTestFailed(() => console.log(bw.sink.lines.slice(-60).join('\n')));
    const admin = ['--admin', bw.adminUrl];
    try {
      await servesLabel(bw.routerUrl, 'v1', 60_000);
      const none = await cli(['pause', ...admin]);
      expect(none.code).toBe(1);
      expect(none.stderr).toMatch(/no deploy is in progress \[BW_DEPLOY_NOT_IN_PROGRESS\]/);
      const backwards = await cli(['deploy', ...admin, '--strategy', 'canary', '--steps', '50,10']);
      expect(backwards.code).toBe(2);
      expect(backwards.stderr).toMatch(/steps: 10 must be larger than the step before it \(50\)/);
      const notCanary = await cli(['deploy', ...admin, '--steps', '10,100']);
      expect(notCanary.stderr).toMatch(/need --strategy canary/);
      const badInterval = await deployCanary(bw.adminUrl, ['--interval', 'soon']);
      expect(badInterval.stderr).toMatch(/interval: "soon" is not a duration/);

      const unhealthy = await deployCanary(bw.adminUrl, [
        '--emergency',
        '--label',
        'v2',
        '--command',
        appCommand('v2', '--mode', 'never-healthy'),
      ]);
      expect(unhealthy.code).toBe(1); // the health gate still holds
      const hotfix = await deployCanary(bw.adminUrl, [
        '--emergency',
        '--label',
        'v3',
        '--command',
        appCommand('v3'),
      ]);
      expect(hotfix.code, hotfix.stderr).toBe(0);
      const record = await entry(bw.adminUrl);
      expect(record.emergency).toBe(true);
      expect(record.phases.some((p) => p.phase === 'step')).toBe(false);
      expect((await cli(['history', ...admin])).stdout).toMatch(/deploy \(emergency\) v3 promoted/);
      expect((await get(`${bw.routerUrl}/`)).label).toBe('v3');
    } finally {
      await bw.close();
    }
  }, 120_000);
});
