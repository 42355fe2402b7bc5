import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { groupPages, processGroupRss } from '../../src/deploy/process-memory.js';

const MiB = 1_048_576;
const linux = process.platform === 'linux';

/** Node code that touches `mib` MiB, optionally starts a child in its group, then says "ready". */
function allocating(mib: number, child?: string): string {
  const spawnChild = child
    ? `const c = require('node:child_process').spawn(process.execPath, ['-e', ${JSON.stringify(child)}], { stdio: ['ignore', 'pipe', 'inherit'] });
       c.stdout.once('data', () => process.stdout.write('ready\\n'));`
    : `process.stdout.write('ready\\n');`;
  return `globalThis.keep = Buffer.alloc(${mib} * 1048576, 1); ${spawnChild} setInterval(() => {}, 1000);`;
}

const started: ChildProcess[] = [];

async function startGroup(code: string): Promise<number> {
  const child = spawn(process.execPath, ['-e', code], {
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  started.push(child);
  await once(child.stdout as NodeJS.ReadableStream, 'data');
  return child.pid as number;
}

/** VmRSS of one process from /proc/<pid>/status, in bytes. */
async function vmRss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1]) * 1024;
}

afterEach(() => {
  for (const child of started.splice(0)) {
    try {
      process.kill(-(child.pid as number), 'SIGKILL'); // the group this test started
    } catch {}
  }
});

describe.skipIf(!linux)('processGroupRss (Linux /proc)', () => {
  it('sums the resident memory of a detached group: leader and the child it forked', async () => {
    const pgid = await startGroup(allocating(80, allocating(60)));
    const rss = await processGroupRss(pgid);
    expect(rss).toBeGreaterThan(140 * MiB);
    expect(rss).toBeLessThan(600 * MiB);
    // the leader alone is well below the sum: the child was counted
    const leader = await vmRss(pgid);
    expect(leader).toBeGreaterThan(80 * MiB);
    expect(rss as number).toBeGreaterThan(leader + 60 * MiB);
  });

  it('answers undefined for a group with no process, and refuses a bad pgid', async () => {
    const pgid = await startGroup(allocating(1));
    process.kill(-pgid, 'SIGKILL');
    await once(started[0] as ChildProcess, 'exit');
    expect(await processGroupRss(pgid)).toBeUndefined();
    await expect(processGroupRss(0)).rejects.toThrow(/pgid/);
  });

  it('stops at an aborted signal', async () => {
    await expect(processGroupRss(process.pid, { signal: AbortSignal.abort() })).rejects.toThrow();
  });
});

describe('groupPages', () => {
  it('reads pgrp and rss after a command name holding spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[2] = '4242'; // field 5: pgrp
    fields[21] = '2560'; // field 24: rss pages
    const stat = `1234 (my (odd) app) ${fields.join(' ')}\n`;
    expect(groupPages(stat, 4242)).toBe(2560);
    expect(groupPages(stat, 4243)).toBeUndefined();
  });
});
