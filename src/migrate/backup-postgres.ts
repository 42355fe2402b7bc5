import { execFile } from 'node:child_process';
import { accessSync, chmodSync, constants, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { PostgresStore } from '../store/types.js';
import { redact } from '../store/url.js';
import { abortedBy, backupFailed, backupUnavailable, restoreFailed } from './backup-errors.js';

/** Why a client tool cannot be used, and how to get it. */
const notFound = (name: string) =>
  `${name} not found${name.includes('/') ? '' : ' on PATH'}: install the PostgreSQL client ` +
  'tools (e.g. apt install postgresql-client)';

/** The path of an executable: `name` itself when it holds a slash, else looked up on PATH. */
export function findExecutable(
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const candidates = name.includes('/')
    ? [path.resolve(name)]
    : (env.PATH ?? '')
        .split(path.delimiter)
        .filter(Boolean)
        .map((dir) => path.join(dir, name));
  return candidates.find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return statSync(candidate).isFile();
    } catch {
      return false;
    }
  });
}

/**
 * The store's connection for libpq tools: the URL without its password for `--dbname`, the
 * password in PGPASSWORD, so it is neither on the command line nor in any message.
 */
export function libpqConnection(connectionString: string): { dbname: string; password?: string } {
  let url: URL;
  try {
    url = new URL(connectionString);
  } catch {
    return { dbname: connectionString }; // a key=value string: passed as it is
  }
  const password = url.password === '' ? undefined : decodeURIComponent(url.password);
  url.password = '';
  const ssl = url.searchParams.get('ssl'); // node-postgres only; libpq knows sslmode
  if (ssl !== null) {
    url.searchParams.delete('ssl');
    const on = /^(?:true|1|require)$/i.test(ssl);
    if (!url.searchParams.has('sslmode'))
      url.searchParams.set('sslmode', on ? 'require' : 'disable');
  }
  return { dbname: url.toString(), ...(password === undefined ? {} : { password }) };
}

/** Runs a client tool without a shell; rejects with its first error line on stderr. */
function runTool(
  bin: string,
  args: string[],
  connection: { password?: string },
  signal: AbortSignal | undefined,
): Promise<void> {
  const env: NodeJS.ProcessEnv = { ...process.env, PGAPPNAME: 'breakwater-migrate' };
  if (connection.password !== undefined) env.PGPASSWORD = connection.password;
  return new Promise((resolve, reject) => {
    const options = { env, maxBuffer: 16 * 1024 * 1024, windowsHide: true, signal };
    execFile(bin, args, options, (error, _stdout, stderr) => {
      if (!error) return resolve();
      const lines = String(stderr)
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean);
      const line = lines.find((l) => /\berror:/i.test(l)) ?? lines[0] ?? error.message;
      reject(new Error(hidePassword(line, connection.password)));
    });
  });
}

function hidePassword(text: string, password: string | undefined): string {
  const redacted = redact(text);
  return password && password.length >= 3 ? redacted.replaceAll(password, '***') : redacted;
}

/** The `--schema` pattern for pg_dump: quoted, so the name is taken literally. */
const schemaPattern = (schema: string) => `"${schema.replaceAll('"', '""')}"`;

/** `pg_dump --format=custom` of the store (its schema only, when it has one) into `file`. */
export async function backupPostgres(
  store: PostgresStore,
  file: string,
  options: { pgDumpPath: string; signal: AbortSignal | undefined },
): Promise<number> {
  const bin = findExecutable(options.pgDumpPath);
  if (bin === undefined) {
    throw backupUnavailable(`${notFound(options.pgDumpPath)} or pass --no-backup`);
  }
  const connection = libpqConnection(store.connectionString);
  const args = ['--format=custom', '--no-password', `--file=${file}`];
  if (store.schema) args.push(`--schema=${schemaPattern(store.schema)}`);
  args.push(`--dbname=${connection.dbname}`);
  try {
    if (options.signal?.aborted) throw abortedBy(options.signal);
    await runTool(bin, args, connection, options.signal);
    chmodSync(file, 0o600);
    return statSync(file).size;
  } catch (error) {
    rmSync(file, { force: true });
    if (options.signal?.aborted) throw backupFailed('aborted', error);
    throw backupFailed(`pg_dump of ${store.url}`, error);
  }
}

/**
 * `pg_restore --clean --if-exists --single-transaction` of a dump into the store (its schema
 * only, when it has one): every object in the dump is dropped and recreated with its data, all
 * or nothing. Objects created after the backup, which the dump does not know, are left alone.
 */
export async function restorePostgres(
  store: PostgresStore,
  file: string,
  options: { pgRestorePath: string; signal: AbortSignal | undefined },
): Promise<void> {
  const bin = findExecutable(options.pgRestorePath);
  if (bin === undefined) {
    throw restoreFailed(notFound(options.pgRestorePath));
  }
  const connection = libpqConnection(store.connectionString);
  const args = ['--clean', '--if-exists', '--single-transaction', '--no-password'];
  if (store.schema) args.push(`--schema=${store.schema}`);
  args.push(`--dbname=${connection.dbname}`, file);
  try {
    if (options.signal?.aborted) throw abortedBy(options.signal);
    await runTool(bin, args, connection, options.signal);
  } catch (error) {
    if (options.signal?.aborted) throw restoreFailed('aborted; the store is unchanged', error);
    throw restoreFailed(`pg_restore of ${file}`, error);
  }
}
