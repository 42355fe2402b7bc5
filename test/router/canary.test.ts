import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/deploy/free-port.js';
import { createRouter, type Router } from '../../src/router/router.js';
import { singleRoute, weightedTable } from '../../src/router/routing.js';
import { get, inParallel, startVersion, type Version } from './versions.js';

const STICKY = { cookie: 'bw_release', maxAgeS: 600 };
let blue: Version;
let green: Version;
let agent: http.Agent;
const routers: Router[] = [];

beforeAll(async () => {
  [blue, green] = await Promise.all([startVersion('blue'), startVersion('green')]);
  agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
});

afterEach(async () => {
  await Promise.all(routers.splice(0).map((router) => router.close(500)));
  for (const version of [blue, green]) version.hits.clear();
});

afterAll(async () => {
  agent.destroy();
  await Promise.all([blue.close(), green.close()]);
});

/** A router on loopback with blue and green registered. */
async function startRouter(options: Parameters<typeof createRouter>[0] = {}) {
  const router = createRouter(options);
  routers.push(router);
  const url = await router.listen({ port: 0 });
  router.addUpstream('blue', blue.url);
  router.addUpstream('green', green.url);
  return { router, url };
}

/** A table of blue and green with these weights. */
const blueGreen = (blue: number, green: number, options?: Parameters<typeof weightedTable>[1]) =>
  weightedTable(
    [
      { upstream: 'blue', weight: blue },
      { upstream: 'green', weight: green },
    ],
    options,
  );

const ourCookie = (setCookie: string[]) => setCookie.filter((c) => c.startsWith('bw_release='));

describe('weighted routing through the proxy', () => {
  it('splits clients without cookies 90/10, assigning each one the version that answered', async () => {
    const { router, url } = await startRouter();
    router.setTable(blueGreen(90, 10, { sticky: STICKY }));
    const count = 3_000;
    await inParallel(count, 16, async () => {
      const answer = await get(agent, url, '/');
      expect(answer.status).toBe(200);
      expect(ourCookie(answer.setCookie)).toEqual([
        `bw_release=${answer.label}; Path=/; HttpOnly; SameSite=Lax; Max-Age=600`,
      ]);
    });
    expect(blue.total() + green.total()).toBe(count);
    const share = green.total() / count;
    expect(share).toBeGreaterThan(0.07);
    expect(share).toBeLessThan(0.13);
  });

  it('keeps every client with a cookie jar on its first version', async () => {
    const { router, url } = await startRouter();
    router.setTable(blueGreen(50, 50, { sticky: STICKY }));
    const firstOf = new Map<number, string>();
    await inParallel(40, 10, async (client) => {
      let jar: string | undefined;
      for (let i = 0; i < 15; i++) {
        const answer = await get(agent, url, '/', jar === undefined ? {} : { cookie: jar });
        const assigned = ourCookie(answer.setCookie);
        if (i === 0) {
          expect(assigned).toHaveLength(1);
          jar = `other=x; ${(assigned[0] as string).split(';')[0]}`;
          firstOf.set(client, answer.label as string);
        } else {
          expect(assigned).toEqual([]);
          expect(answer.label).toBe(firstOf.get(client));
        }
      }
    });
    const labels = [...firstOf.values()];
    expect(labels).toContain('blue');
    expect(labels).toContain('green');
  });

  it("appends the sticky cookie to the upstream's own Set-Cookie headers", async () => {
    const { router, url } = await startRouter();
    router.setTable(blueGreen(1, 1, { sticky: { cookie: 'bw_release' } }));
    const answer = await get(agent, url, '/cookies');
    expect(answer.setCookie).toEqual([
      'app=1',
      'theme=dark; Path=/',
      `bw_release=${answer.label}; Path=/; HttpOnly; SameSite=Lax`,
    ]);
    // a single serving version needs no assignment
    router.setTable(singleRoute('blue'));
    expect((await get(agent, url, '/cookies')).setCookie).toEqual(['app=1', 'theme=dark; Path=/']);
  });

  it('sends requests matching a header or cookie rule to their upstream', async () => {
    const { router, url } = await startRouter({ random: () => 0 }); // every draw picks blue
    router.setTable(
      blueGreen(95, 5, {
        sticky: STICKY,
        rules: [
          { header: 'x-canary', value: 'yes', upstream: 'green' },
          { cookie: 'tester', value: 'on', upstream: 'green' },
        ],
      }),
    );
    expect((await get(agent, url, '/')).label).toBe('blue');
    const byHeader = await get(agent, url, '/', { 'x-canary': 'yes', cookie: 'bw_release=blue' });
    expect(byHeader.label).toBe('green');
    expect(byHeader.setCookie).toEqual([]);
    expect((await get(agent, url, '/', { cookie: 'a=b; tester=on' })).label).toBe('green');
    expect((await get(agent, url, '/', { cookie: 'tester=off' })).label).toBe('blue');
  });

  it('never sends a request to a weight-0 upstream, whatever the cookie or rule says', async () => {
    const { router, url } = await startRouter();
    router.addUpstream('blue-too', blue.url);
    router.setTable(
      weightedTable(
        [
          { upstream: 'blue', weight: 1 },
          { upstream: 'blue-too', weight: 1 },
          { upstream: 'green', weight: 0 },
        ],
        { sticky: STICKY, rules: [{ header: 'x-canary', value: 'yes', upstream: 'green' }] },
      ),
    );
    await inParallel(300, 10, async (i) => {
      const headers = i % 2 === 0 ? { 'x-canary': 'yes' } : { cookie: 'bw_release=green' };
      expect((await get(agent, url, '/', headers)).label).toBe('blue');
    });
    expect(green.total()).toBe(0);
    expect(blue.total()).toBe(300);
  });
});

describe('per-version samples', () => {
  const recorded = (router: Router, key: string) =>
    router.upstream(key)?.samples.window(0, Date.now() + 1);

  it('records answers, 5xx and timeouts on the upstream that served them', async () => {
    const { router, url } = await startRouter({ requestTimeoutMs: 300 });
    router.setTable(singleRoute('blue'));
    for (let i = 0; i < 4; i++) expect((await get(agent, url, '/slow?ms=40')).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await get(agent, url, '/fail')).status).toBe(500);
    expect((await get(agent, url, '/slow?ms=2000')).status).toBe(504);
    const samples = recorded(router, 'blue');
    expect(samples?.count).toBe(8);
    expect(samples?.failures).toBe(4);
    const latencies = [...(samples?.latencies ?? [])];
    for (const ms of latencies.slice(0, 4)) {
      expect(ms).toBeGreaterThanOrEqual(35);
      expect(ms).toBeLessThan(1_000);
    }
    for (const ms of latencies.slice(4, 7)) expect(ms).toBeLessThan(200);
    expect(latencies[7]).toBeGreaterThanOrEqual(290);
    expect(latencies[7]).toBeLessThan(1_500);
    expect(recorded(router, 'green')?.count).toBe(0);
  });

  it('records a refused connection as a failure of that upstream', async () => {
    const { router, url } = await startRouter();
    router.addUpstream('down', `http://127.0.0.1:${await freePort()}`);
    router.setTable(singleRoute('down'));
    expect((await get(agent, url, '/')).status).toBe(502);
    const samples = recorded(router, 'down');
    expect(samples?.count).toBe(1);
    expect(samples?.failures).toBe(1);
  });

  it('counts a reset retried on another upstream against the first, unless it is draining', async () => {
    const draws = [0, 0.99, 0, 0.99];
    const { router, url } = await startRouter({ random: () => draws.shift() ?? 0 });
    router.setTable(blueGreen(1, 1));
    // blue resets /reset; the retry draws green, which resets it too: a 502 from green
    expect((await get(agent, url, '/reset')).status).toBe(502);
    expect(recorded(router, 'blue')).toMatchObject({ count: 1, failures: 1 });
    expect(recorded(router, 'green')).toMatchObject({ count: 1, failures: 1 });

    (router.upstream('blue') as { draining: boolean }).draining = true;
    expect((await get(agent, url, '/reset')).status).toBe(502);
    expect(recorded(router, 'blue')).toMatchObject({ count: 1, failures: 1 });
    expect(recorded(router, 'green')).toMatchObject({ count: 2, failures: 2 });
  });

  it('does not count a reset retried on the same upstream, nor a client that went away', async () => {
    let resets = 0;
    const flaky = http.createServer((req, res) => {
      if (req.url === '/slow') return setTimeout(() => res.end('late'), 300);
      if (resets++ === 0) return req.socket.destroy();
      res.end('ok');
    });
    await new Promise<void>((resolve) => flaky.listen(0, '127.0.0.1', resolve));
    try {
      const { router, url } = await startRouter();
      const { port } = flaky.address() as { port: number };
      router.addUpstream('flaky', `http://127.0.0.1:${port}`);
      router.setTable(singleRoute('flaky'));
      expect((await get(agent, url, '/')).status).toBe(200);
      expect(recorded(router, 'flaky')).toMatchObject({ count: 1, failures: 0 });

      const gone = http.get(`${url}/slow`, { agent: false });
      gone.on('error', () => {});
      await new Promise((resolve) => setTimeout(resolve, 80));
      gone.destroy();
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(recorded(router, 'flaky')).toMatchObject({ count: 1, failures: 0 });
    } finally {
      flaky.closeAllConnections();
      flaky.close();
    }
  });
});
