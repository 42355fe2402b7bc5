import http from 'node:http';

/** One request of the canary load: when it ended, who sent it, which version answered. */
export interface CanarySample {
  at: number;
  status: number;
  label: string | undefined;
  /** Index of the sticky client that sent it; undefined for cookie-less requests. */
  client: number | undefined;
  error?: string;
}

/**
 * Bounded canary load from this process: `rps` cookie-less GETs per second (split by weight)
 * plus `clients` sticky clients, each with its own cookie jar, sending one request after
 * another. Stops by itself after `maxMs`; `stop()` waits for what is in flight.
 */
export function startCanaryLoad(
  baseUrl: string,
  options: { rps?: number; clients?: number; clientPauseMs?: number; maxMs?: number } = {},
): { samples: CanarySample[]; stop(): Promise<CanarySample[]> } {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  const samples: CanarySample[] = [];
  const pending = new Set<Promise<void>>();
  let running = true;

  const request = (cookie: string | undefined, client: number | undefined) =>
    new Promise<string | undefined>((resolve) => {
      const headers = cookie ? { cookie } : {};
      const req = http.get(`${baseUrl}/`, { agent, headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => {
          let label: string | undefined;
          try {
            label = (JSON.parse(body) as { label?: string }).label;
          } catch {}
          samples.push({ at: Date.now(), status: res.statusCode ?? 0, label, client });
          const set = res.headers['set-cookie']?.[0];
          resolve(set ? set.split(';')[0] : cookie);
        });
      });
      req.on('error', (error) => {
        samples.push({ at: Date.now(), status: 0, label: undefined, client, error: error.message });
        resolve(cookie);
      });
      req.setTimeout(15_000, () => req.destroy(new Error('client timeout')));
    });
  const track = (work: Promise<unknown>) => {
    const done = work.then(() => {});
    pending.add(done);
    void done.then(() => pending.delete(done));
  };

  const perTick = (options.rps ?? 200) / 50; // 0: sticky clients only
  let carry = 0;
  const ticker = setInterval(() => {
    carry += perTick;
    for (; carry >= 1; carry--) track(request(undefined, undefined));
  }, 20);
  for (let c = 0; c < (options.clients ?? 0); c++) {
    track(
      (async () => {
        let cookie: string | undefined;
        while (running) {
          cookie = await request(cookie, c);
          await new Promise((resolve) => setTimeout(resolve, options.clientPauseMs ?? 20));
        }
      })(),
    );
  }
  const stopAll = () => {
    running = false;
    clearInterval(ticker);
  };
  const cap = setTimeout(stopAll, options.maxMs ?? 120_000);
  return {
    samples,
    stop: async () => {
      stopAll();
      clearTimeout(cap);
      while (pending.size > 0) await Promise.all([...pending]);
      agent.destroy();
      return samples;
    },
  };
}
