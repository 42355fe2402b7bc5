import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Where `breakwater up` leaves a generated admin token for the local CLI. */
export const ADMIN_TOKEN_FILE = 'admin-token';

/** Writes the token to `<stateDir>/admin-token`, readable by the owner only (0600). */
export function writeAdminTokenFile(stateDir: string, token: string): string {
  mkdirSync(stateDir, { recursive: true });
  const file = path.join(stateDir, ADMIN_TOKEN_FILE);
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}

/** The token in `<stateDir>/admin-token`, or undefined when there is none. */
export function readAdminTokenFile(stateDir: string): string | undefined {
  try {
    const token = readFileSync(path.join(stateDir, ADMIN_TOKEN_FILE), 'utf8').trim();
    return token === '' ? undefined : token;
  } catch {
    return undefined;
  }
}
