import { describe, expect, it } from 'vitest';
import type { Problem } from '../../src/errors/problem.js';
import { type ChangeContext, defineChange } from '../../src/versioning/change-module.js';
import { messageBecomesText } from '../../src/versioning/examples/recognitions.js';
import { defineVersions } from '../../src/versioning/version-set.js';
import {
  applicableChanges,
  downgradeError,
  downgradeResponse,
  upgradeRequest,
} from '../../src/versioning/walk.js';

/** Each module appends its version to a trail, so the walking order is visible. */
const trail = (version: string, routes: string[]) =>
  defineChange<{
    oldRequest: { trail: string[] };
    newRequest: { trail: string[] };
    newResponse: { trail: string[] };
    oldResponse: { trail: string[] };
  }>({
    version,
    description: `step to ${version}`,
    routes,
    upgradeRequest: (body) => ({ trail: [...body.trail, `up:${version}`] }),
    downgradeResponse: (body) => ({ trail: [...body.trail, `down:${version}`] }),
  });

const set = defineVersions({
  versions: ['v1', 'v2', 'v3', 'v4'],
  changes: [
    trail('v2', ['/things']),
    trail('v3', ['POST /things']),
    {
      ...trail('v3', ['/other']),
      description: 'resource based',
      routes: [],
      resources: ['thing'],
    },
    trail('v4', ['/things']),
  ],
});

const ctx = (version: string, method = 'POST', resources: string[] = []): ChangeContext => ({
  method,
  route: '/things',
  resources,
  version,
});

describe('walking change modules', () => {
  it('walks requests forward oldest change first, responses backwards', () => {
    expect(upgradeRequest(set, ctx('v1'), { trail: [] })).toEqual({
      trail: ['up:v2', 'up:v3', 'up:v4'],
    });
    expect(downgradeResponse(set, { ...ctx('v1'), status: 200 }, { trail: [] })).toEqual({
      trail: ['down:v4', 'down:v3', 'down:v2'],
    });
    expect(upgradeRequest(set, ctx('v3'), { trail: [] })).toEqual({ trail: ['up:v4'] });
    expect(upgradeRequest(set, ctx('v4'), { trail: [] })).toEqual({ trail: [] });
  });

  it('applies only modules that touch the route, method or resource', () => {
    expect(upgradeRequest(set, ctx('v1', 'GET'), { trail: [] })).toEqual({
      trail: ['up:v2', 'up:v4'],
    });
    expect(upgradeRequest(set, ctx('v1', 'GET', ['thing']), { trail: [] })).toEqual({
      trail: ['up:v2', 'up:v3', 'up:v4'],
    });
    expect(applicableChanges(set, { ...ctx('v1'), route: '/nothing' })).toEqual([]);
  });

  it('walks only JSON objects forward; other bodies reach validation unchanged', () => {
    for (const body of [null, [1, 2], 'text', 7, true]) {
      expect(upgradeRequest(set, ctx('v1'), body)).toEqual(body);
    }
  });

  it('leaves errors unchanged unless a module declares an error transform', () => {
    const problem: Problem = {
      type: 't',
      title: 'Bad',
      status: 400,
      code: 'BW_HTTP_VALIDATION',
      field: 'body/text',
      detail: 'body/text must NOT have fewer than 1 characters',
    };
    expect(downgradeError(set, { ...ctx('v1'), status: 400 }, problem)).toBe(problem);
    const recognitions = defineVersions({ versions: ['v1', 'v2'], changes: [messageBecomesText] });
    const v1 = {
      method: 'POST',
      route: '/recognitions',
      resources: [],
      version: 'v1',
      status: 400,
    };
    expect(downgradeError(recognitions, v1, problem)).toEqual({
      ...problem,
      field: 'body/message',
      detail: 'body/message must NOT have fewer than 1 characters',
    });
    expect(downgradeError(recognitions, { ...v1, version: 'v2' }, problem)).toBe(problem);
  });

  it('converts the recognition shapes both ways, lists included', () => {
    const v1 = { method: 'GET', route: '/recognitions', resources: [], version: 'v1' };
    const recognitions = defineVersions({ versions: ['v1', 'v2'], changes: [messageBecomesText] });
    const v2Body = {
      id: 'rec_1',
      from: { id: 'usr_ada', name: 'Ada' },
      to: 'usr_grace',
      text: 'Thanks',
      badges: [],
      createdAt: '2026-01-01T00:00:00.000Z',
    };
    const expected = { ...v2Body, from: 'usr_ada', message: 'Thanks' };
    delete (expected as { text?: string }).text;
    expect(downgradeResponse(recognitions, { ...v1, status: 200 }, v2Body)).toEqual(expected);
    expect(
      downgradeResponse(
        recognitions,
        { ...v1, status: 200 },
        { data: [v2Body, v2Body], nextCursor: null },
      ),
    ).toEqual({ data: [expected, expected], nextCursor: null });
    expect(
      upgradeRequest(
        recognitions,
        { ...v1, method: 'POST' },
        { to: 'usr_grace', message: 'Hi', from: 'usr_ada', badges: ['x'] },
      ),
    ).toEqual({ to: 'usr_grace', text: 'Hi', from: { id: 'usr_ada' }, badges: ['x'] });
    // a wrongly typed field goes on unchanged, for the v2 schema to name
    expect(
      upgradeRequest(recognitions, { ...v1, method: 'POST' }, { message: 5, from: 7 }),
    ).toEqual({ text: 5, from: 7 });
  });

  it('types the transforms by the shapes a module declares', () => {
    defineChange<{ oldRequest: { a: string }; newRequest: { b: string } }>({
      version: 'v2',
      description: 'a becomes b',
      routes: ['/x'],
      upgradeRequest: (body) => ({ b: body.a }),
    });
    defineChange<{ oldRequest: { a: string }; newRequest: { b: string } }>({
      version: 'v2',
      description: 'a becomes b',
      routes: ['/x'],
      // @ts-expect-error: the upgrade must answer the new request shape
      upgradeRequest: (body) => ({ a: body.a }),
    });
    defineChange<{ newResponse: { b: number }; oldResponse: { a: number } }>({
      version: 'v2',
      description: 'b back to a',
      routes: ['/x'],
      // @ts-expect-error: the new response has no property a
      downgradeResponse: (body) => ({ a: body.a }),
    });
  });
});
