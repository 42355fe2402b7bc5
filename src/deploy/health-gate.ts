import { HEALTH_CONTENT_TYPE } from '../pipeline/health-report.js';

/** The result of one health probe. */
export interface Probe {
  ok: boolean;
  /** One line: `200 pass`, `503`, `ECONNREFUSED`, ... */
  detail: string;
  /** The HTTP status, when the app answered at all. */
  status?: number;
}

/**
 * Probes a health URL once: ready when the answer is 2xx and, for application/health+json,
 * its `status` is `pass` or `warn` (`fail`, or anything else, is not ready).
 */
export async function probeHealth(
  url: string,
  timeoutMs: number,
  signal?: AbortSignal,
): Promise<Probe> {
  const signals = [AbortSignal.timeout(timeoutMs), ...(signal ? [signal] : [])];
  try {
    const response = await fetch(url, {
      signal: AbortSignal.any(signals),
      headers: { accept: `${HEALTH_CONTENT_TYPE}, */*` },
    });
    const type = response.headers.get('content-type') ?? '';
    const text = await response.text();
    const code = response.status;
    if (code < 200 || code > 299) return { ok: false, detail: `${code}`, status: code };
    if (!type.toLowerCase().startsWith(HEALTH_CONTENT_TYPE))
      return { ok: true, detail: `${code}`, status: code };
    let status: unknown;
    try {
      status = (JSON.parse(text) as { status?: unknown }).status;
    } catch {
      return { ok: false, detail: `${code} invalid health+json`, status: code };
    }
    const ok = status === 'pass' || status === 'warn';
    return { ok, detail: `${code} ${String(status)}`, status: code };
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    const name = (error as Error).name;
    return {
      ok: false,
      detail: cause?.code ?? (name === 'TimeoutError' ? 'timeout' : (error as Error).message),
    };
  }
}

export interface WaitHealthyOptions {
  url: string;
  intervalMs: number;
  timeoutMs: number;
  /** Give up at this time (epoch ms). */
  deadline: number;
  signal: AbortSignal;
  /** Resolves with a reason when the process exits, to fail at once rather than time out. */
  exited?: Promise<string>;
  onProbe?: (probe: Probe, attempt: number) => void;
}

/**
 * Probes every `intervalMs` until one passes. Resolves undefined when healthy, or with the
 * reason it never got there: the process exited, the deadline passed, or the deploy was
 * aborted.
 */
export async function waitHealthy(options: WaitHealthyOptions): Promise<string | undefined> {
  let exitReason: string | undefined;
  void options.exited?.then((reason) => {
    exitReason = reason;
  });
  let last: Probe | undefined;
  let lastAnswer: Probe | undefined;
  for (let attempt = 1; ; attempt++) {
    if (options.signal.aborted) return 'aborted';
    if (exitReason !== undefined) return exitReason;
    const left = options.deadline - Date.now();
    if (left <= 0) return timedOut(last, lastAnswer);
    last = await probeHealth(options.url, Math.min(options.timeoutMs, left), options.signal);
    options.onProbe?.(last, attempt);
    if (last.ok) return undefined;
    if (last.status !== undefined) lastAnswer = last;
    if (exitReason !== undefined) return exitReason;
    await sleep(
      Math.min(options.intervalMs, Math.max(options.deadline - Date.now(), 0)),
      options.signal,
      options.exited,
    );
  }
}

/**
 * Why the deadline passed: the last probe and, when that one got no HTTP answer (the deadline
 * cut it short, or the app stopped answering), the last answer the app did give.
 */
function timedOut(last: Probe | undefined, lastAnswer: Probe | undefined): string {
  const answer = lastAnswer && lastAnswer !== last ? `; last answer: ${lastAnswer.detail}` : '';
  return `not healthy within the deploy timeout (last probe: ${last?.detail ?? 'none'}${answer})`;
}

/** Waits `ms`, or less when `signal` aborts or `exited` settles; never rejects. */
export function sleep(ms: number, signal: AbortSignal, exited?: Promise<string>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
    void exited?.then(done);
  });
}
