import { createServer, type Server } from 'node:http';
import { Agent, fetch } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { capturedPipeline } from '../http/log-capture.js';
import { closeServer, listening } from '../http/test-app.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) if (server.listening) await closeServer(server);
});

const make = (shutdownTimeoutMs: number) => capturedPipeline({ shutdownTimeoutMs });

/** A server whose requests hang until the test answers them. */
async function hangingServer(): Promise<{ server: Server; url: string; arrived: Promise<void> }> {
  let arrive!: () => void;
  const arrived = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  const server = createServer(() => arrive()).listen(0, '127.0.0.1');
  servers.push(server);
  return { server, url: await listening(server), arrived };
}

describe('shutdown', () => {
  it('destroys what is left after the timeout and resolves 1, then still runs the closers', async () => {
    const { pipeline, logs } = make(100);
    const { server, url, arrived } = await hangingServer();
    const closed: string[] = [];
    pipeline.onClose(() => {
      closed.push('first');
    });
    pipeline.onClose(async () => {
      closed.push('second');
    });
    const agent = new Agent();
    const pending = fetch(url, { dispatcher: agent }).catch((error: unknown) => error);
    await arrived;
    const code = await pipeline.shutdown(server);
    expect(code).toBe(1);
    expect(await pending).toBeInstanceOf(Error);
    expect(closed).toEqual(['second', 'first']); // newest first
    expect(
      logs.lines.find((l) => l.msg === 'shutdown timeout: remaining connections destroyed'),
    ).toBeDefined();
    expect(logs.lines.at(-1)).toMatchObject({ msg: 'shutdown complete', code: 1, drained: false });
    await agent.destroy();
  });

  it('resolves 0 at once with nothing in flight, and is the same promise when called again', async () => {
    const { pipeline } = make(10_000);
    const { server } = await hangingServer();
    const first = pipeline.shutdown(server);
    expect(pipeline.shutdown(server)).toBe(first);
    expect(await first).toBe(0);
    expect(server.listening).toBe(false);
  });

  it('reports 1 when a closer fails, and runs the others', async () => {
    const { pipeline, logs } = make(1_000);
    const { server } = await hangingServer();
    let ran = false;
    pipeline.onClose(() => {
      ran = true;
    });
    pipeline.onClose(() => {
      throw new Error('flush failed');
    });
    expect(await pipeline.shutdown(server)).toBe(1);
    expect(ran).toBe(true);
    expect(logs.lines.find((l) => l.msg === 'closer failed during shutdown')).toMatchObject({
      level: 50,
    });
  });

  it('accepts anything holding a server, like a Fastify instance', async () => {
    const { pipeline } = make(1_000);
    const { server } = await hangingServer();
    expect(await pipeline.shutdown({ server })).toBe(0);
    expect(server.listening).toBe(false);
  });
});

describe('handleSignals', () => {
  it('installs nothing until called, and removes its handlers again', () => {
    const before = process.listenerCount('SIGTERM');
    const { pipeline } = make(1_000);
    expect(process.listenerCount('SIGTERM')).toBe(before);
    const server = createServer();
    const off = pipeline.handleSignals(server, { exit: false, signals: ['SIGTERM', 'SIGINT'] });
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    off();
    expect(process.listenerCount('SIGTERM')).toBe(before);
    expect(pipeline.shuttingDown).toBe(false);
  });
});
