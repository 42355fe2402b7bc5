import { z } from 'zod';
import type { AdminRoutes } from '../admin/server.js';
import { actorOf } from '../admin/server.js';
import { parseDuration } from '../config/duration.js';
import { describeIssue } from '../config/resolve.js';
import { commandSchema } from '../config/schema.js';
import { BreakwaterError } from '../errors/breakwater-error.js';
import { errors } from '../errors/registry.js';
import type { DeployController } from './controller.js';

const deployBody = z
  .strictObject({
    command: commandSchema.optional(),
    label: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/,
        'must be 1-64 letters, digits, ".", "_", "+" or "-"',
      )
      .optional(),
    strategy: z.string().optional(),
    steps: z
      .union([z.string(), z.array(z.union([z.number(), z.literal('pause')]))], {
        error: 'must be like "10,pause,50,100" or an array of percentages and "pause"',
      })
      .optional(),
    interval: z
      .union([z.number().int().min(0), z.string()], {
        error: 'must be a duration like "30s" or milliseconds',
      })
      .optional(),
    emergency: z.boolean().optional(),
  })
  .nullish();

/** `30s`, `2m`, `500ms` or a number of milliseconds. */
function intervalOf(value: number | string | undefined): number | undefined {
  if (value === undefined || typeof value === 'number') return value;
  const ms = parseDuration(value);
  if (ms === undefined) throw invalid(`interval: "${value}" is not a duration like 30s or 2m`);
  return ms;
}

const invalid = (detail: string) => new BreakwaterError(errors.DEPLOY_INVALID, detail);

/**
 * The deploy admin routes: status, history, one deploy (with live progress), start a
 * deploy (blue-green or canary), pause, resume and promote a canary, roll back, abort. Every action is recorded in the audit trail with its caller,
 * and in the deploy history.
 */
export function deployAdminRoutes(controller: DeployController): AdminRoutes {
  return (app, context) => {
    app.get('/admin/v1/status', async () => controller.status());

    app.get('/admin/v1/deploys', async (request) => {
      const raw = (request.query as { limit?: string }).limit;
      const limit = raw === undefined ? undefined : Number(raw);
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 1000)) {
        throw invalid('limit must be a whole number from 1 to 1000');
      }
      return { deploys: await controller.history(limit) };
    });

    app.get('/admin/v1/deploys/:id', async (request) => {
      const id = Number((request.params as { id: string }).id);
      const record = Number.isInteger(id) && id > 0 ? await controller.get(id) : undefined;
      if (record === undefined) {
        throw new BreakwaterError(
          errors.DEPLOY_NOT_FOUND,
          `no deploy #${(request.params as { id: string }).id}`,
        );
      }
      return record;
    });

    app.post('/admin/v1/deploys', async (request, reply) => {
      const parsed = deployBody.safeParse(request.body);
      if (!parsed.success) throw invalid(describeIssue(parsed.error.issues[0] as z.core.$ZodIssue));
      const body = parsed.data ?? {};
      const actor = actorOf(request);
      const intervalMs = intervalOf(body.interval);
      const id = await controller.deploy({
        actor,
        ...(body.command === undefined ? {} : { command: body.command }),
        ...(body.label === undefined ? {} : { label: body.label }),
        ...(body.strategy === undefined ? {} : { strategy: body.strategy }),
        ...(body.steps === undefined ? {} : { steps: body.steps }),
        ...(intervalMs === undefined ? {} : { intervalMs }),
        ...(body.emergency === undefined ? {} : { emergency: body.emergency }),
      });
      await context.audit(request, 'deploy.start', `deploy#${id}`, body);
      return reply.code(202).send({ id });
    });

    app.post('/admin/v1/deploys/abort', async (request) => {
      const id = await controller.abort(actorOf(request));
      await context.audit(request, 'deploy.abort', `deploy#${id}`, {});
      return { id, deploy: await controller.get(id) };
    });

    // Canary controls: each acts on the rollout under way and is recorded in its history.
    const controls = {
      pause: (actor: string) => controller.pause(actor),
      resume: (actor: string) => controller.resume(actor),
      promote: (actor: string) => controller.promoteNow(actor),
    };
    for (const [name, act] of Object.entries(controls)) {
      app.post(`/admin/v1/deploys/${name}`, async (request) => {
        const id = await act(actorOf(request));
        await context.audit(request, `deploy.${name}`, `deploy#${id}`, {});
        return { id, deploy: await controller.get(id) };
      });
    }

    app.post('/admin/v1/rollback', async (request) => {
      const id = await controller.rollback(actorOf(request));
      await context.audit(request, 'deploy.rollback', `deploy#${id}`, {});
      return { id, deploy: await controller.get(id) };
    });
  };
}
