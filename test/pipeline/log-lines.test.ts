import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createLineWriter, createLogger } from '../../src/pipeline/logger.js';
import {
  jsonMilliseconds,
  type RequestLogLine,
  requestLogMembers,
} from '../../src/pipeline/request-log.js';
import { LogCapture } from '../http/log-capture.js';

const FULL: RequestLogLine = {
  method: 'PATCH',
  route: '/odd/"route"\\with\u0001controls',
  status: 409,
  durationMs: 12.345,
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  spanId: '00f067aa0ba902b7',
  parentSpanId: 'a3ce929d0e0e4736',
  tenantHash: '61f074c3fcd0a129',
  userHash: 'a39dbf09a0ab0967',
  bytesOut: 41,
  aborted: true,
  code: 'BW_IDEMPOTENCY_CONFLICT',
};
const { parentSpanId: _p, tenantHash: _t, userHash: _u, aborted: _a, code: _c, ...MINIMAL } = FULL;

/** A line through the pipeline's direct path and the same fields through pino itself. */
function bothWays(line: RequestLogLine): [direct: string, viaPino: string] {
  const direct = new LogCapture();
  const created = createLogger({
    service: 'svc',
    version: '1.2.3',
    level: 'info',
    destination: direct,
  });
  createLineWriter(created.logger, created.direct).writeMembers(
    'info',
    requestLogMembers(line),
    'request',
  );
  const reference = new LogCapture();
  pino({ level: 'info', base: { service: 'svc', version: '1.2.3' } }, reference).info(
    line,
    'request',
  );
  const withoutTime = (raw: string) => raw.replace(/"time":\d+/, '"time":0');
  return [withoutTime(direct.raw), withoutTime(reference.raw)];
}

describe('request lines written without pino’s per-field loop', () => {
  it.each([
    ['every field', FULL],
    ['the required fields only', MINIMAL],
  ])('are byte for byte the line pino writes, with %s', (_name, line) => {
    const [direct, viaPino] = bothWays(line as RequestLogLine);
    expect(direct).toBe(viaPino);
    expect(JSON.parse(direct)).toMatchObject({
      ...line,
      level: 30,
      msg: 'request',
      service: 'svc',
    });
  });

  it('write null for a number JSON cannot hold, as pino does', () => {
    const [direct, viaPino] = bothWays({ ...MINIMAL, durationMs: Number.NaN });
    expect(direct).toBe(viaPino);
    expect(JSON.parse(direct).durationMs).toBeNull();
  });

  it('follow the root logger’s level, also when it changes later', () => {
    const logs = new LogCapture();
    const created = createLogger({ service: 'svc', level: 'info', destination: logs });
    const writer = createLineWriter(created.logger, created.direct);
    created.logger.level = 'warn';
    writer.writeMembers('info', requestLogMembers(MINIMAL), 'request');
    expect(logs.lines).toEqual([]);
    writer.writeMembers('warn', requestLogMembers(MINIMAL), 'request');
    expect(logs.lines).toMatchObject([{ level: 40, msg: 'request' }]);
  });

  it('go through pino when the destination routes by level (a multistream)', () => {
    const info = new LogCapture();
    const errors = new LogCapture();
    const created = createLogger({
      service: 'svc',
      level: 'info',
      destination: pino.multistream([
        { level: 'info', stream: info },
        { level: 'error', stream: errors },
      ]) as unknown as NodeJS.WritableStream,
    });
    expect(created.direct).toBeUndefined();
    const writer = createLineWriter(created.logger, created.direct);
    writer.writeMembers('info', requestLogMembers(MINIMAL), 'request');
    writer.writeMembers('error', requestLogMembers(MINIMAL), 'request');
    expect(info.lines).toHaveLength(2);
    expect(errors.lines).toMatchObject([{ level: 50, ...MINIMAL }]);
  });
});

describe('jsonMilliseconds', () => {
  it('prints a duration rounded to the microsecond exactly as JavaScript does', () => {
    const values = [0, 0.001, 0.01, 0.1, 0.5, 1, 1.2, 12.345, 99.999, 100, 1234.5, 999_999_999.999];
    for (let i = 0; i < 100_000; i++) {
      const scale = 10 ** Math.floor(Math.random() * 10);
      values.push(Math.round(Math.random() * scale * 1000) / 1000);
    }
    for (const value of values) expect(jsonMilliseconds(value)).toBe(`${value}`);
  });

  it('falls back to the plain conversion outside its range or for finer values', () => {
    for (const value of [1e9, 5e12, 1.23456, -1, Number.MAX_VALUE]) {
      expect(jsonMilliseconds(value)).toBe(`${value}`);
    }
    expect(jsonMilliseconds(Number.NaN)).toBe('null');
    expect(jsonMilliseconds(Number.POSITIVE_INFINITY)).toBe('null');
  });
});
