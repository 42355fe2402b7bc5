import http from 'node:http';

/** One request the load generator made, for the straddling check. */
export interface Sample {
  path: string;
  start: number;
  end: number;
  status: number;
  label?: string;
  error?: string;
}

export interface LoadStats {
  samples: Sample[];
  failures: Sample[];
}

/**
 * Steady, bounded load from this process: `rps` short GETs per second, a quarter of them on
 * new connections and the rest on keep-alive sockets, plus a long `POST /slow` every
 * `slowEveryMs`. Stops by itself after `maxMs`; `stop()` waits for everything in flight.
 */
export function startLoad(
  baseUrl: string,
  options: { rps?: number; slowEveryMs?: number; slowMs?: number; maxMs?: number } = {},
): { stop(): Promise<LoadStats> } {
  const rps = options.rps ?? 300;
  const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const samples: Sample[] = [];
  const pending = new Set<Promise<void>>();
  let n = 0;
  const fire = (path: string, agent: http.Agent | false, method = 'GET') => {
    const sample: Sample = { path, start: Date.now(), end: 0, status: 0 };
    const done = new Promise<void>((resolve) => {
      const finish = (error?: string) => {
        sample.end = Date.now();
        if (error) sample.error = error;
        samples.push(sample);
        resolve();
      };
      const req = http.request(`${baseUrl}${path}`, { agent, method }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => {
          sample.status = res.statusCode ?? 0;
          try {
            sample.label = (JSON.parse(body) as { label?: string }).label;
          } catch {}
          finish(sample.status === 200 ? undefined : body.slice(0, 200));
        });
        res.on('error', (error) => finish(`response: ${error.message}`));
      });
      req.on('error', (error) =>
        finish(`${(error as NodeJS.ErrnoException).code ?? ''} ${error.message}`),
      );
      req.setTimeout(20_000, () => req.destroy(new Error('client timeout')));
      req.end(method === 'POST' ? '{}' : undefined);
    });
    pending.add(done);
    void done.then(() => pending.delete(done));
  };
  const perTick = rps / 50;
  let carry = 0;
  const ticker = setInterval(() => {
    carry += perTick;
    for (; carry >= 1; carry--) fire('/', n++ % 4 === 0 ? false : keepAlive);
  }, 20);
  const slow = setInterval(
    () => fire(`/slow?ms=${options.slowMs ?? 1_200}`, keepAlive),
    options.slowEveryMs ?? 300,
  );
  const stopTimers = () => {
    clearInterval(ticker);
    clearInterval(slow);
  };
  const cap = setTimeout(stopTimers, options.maxMs ?? 120_000);
  return {
    stop: async () => {
      stopTimers();
      clearTimeout(cap);
      while (pending.size > 0) await Promise.all([...pending]);
      keepAlive.destroy();
      return { samples, failures: samples.filter((s) => s.error !== undefined) };
    },
  };
}
