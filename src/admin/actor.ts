import os from 'node:os';

/**
 * Who a local operator is, as `user@host`: recorded as the caller of admin actions and as
 * who applied a migration. `USER`/`USERNAME` win; a process without a passwd entry (some
 * containers) is "unknown".
 */
export function localActor(env: NodeJS.ProcessEnv = process.env): string {
  let user = env.USER ?? env.USERNAME;
  if (!user) {
    try {
      user = os.userInfo().username;
    } catch {
      user = 'unknown';
    }
  }
  return `${user}@${os.hostname()}`;
}
