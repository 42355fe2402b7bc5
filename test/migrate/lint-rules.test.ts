import { describe, expect, it } from 'vitest';
import { LINT_RULES, lintSql } from '../../src/migrate/lint/index.js';

/** Lock timeout set up front, so only the rule under test can fire. */
const SAFE = "SET lock_timeout = '5s';\n";

const rulesOf = (sql: string) => lintSql(sql).map((finding) => finding.rule);
const fires = (rule: string, sql: string) => expect(rulesOf(SAFE + sql)).toContain(rule);
const quiet = (rule: string, sql: string) => expect(rulesOf(SAFE + sql)).not.toContain(rule);

describe('lint rules', () => {
  it('adding-not-nullable-field', () => {
    const rule = 'adding-not-nullable-field';
    fires(rule, 'ALTER TABLE users ADD COLUMN email text NOT NULL;');
    fires(rule, 'alter table users add email text not null, add x int;');
    fires(rule, 'ALTER TABLE users ADD COLUMN id bigint PRIMARY KEY;');
    fires(rule, 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;');
    quiet(rule, "ALTER TABLE users ADD COLUMN email text NOT NULL DEFAULT '';");
    quiet(rule, 'ALTER TABLE users ADD COLUMN email text;');
    quiet(rule, 'ALTER TABLE users ADD COLUMN n int GENERATED ALWAYS AS IDENTITY NOT NULL;');
    quiet(rule, 'ALTER TABLE users ADD COLUMN n bigserial NOT NULL;');
    quiet(rule, 'CREATE TABLE users (id int);\nALTER TABLE users ADD COLUMN email text NOT NULL;');
    quiet(
      rule,
      'ALTER TABLE users VALIDATE CONSTRAINT email_nn;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;',
    );
  });

  it('require-concurrent-index-creation', () => {
    const rule = 'require-concurrent-index-creation';
    fires(rule, 'CREATE INDEX users_email ON users (email);');
    fires(rule, 'CREATE UNIQUE INDEX IF NOT EXISTS users_email ON ONLY public.users (email);');
    fires(rule, 'create index on "Users" (email);');
    quiet(rule, 'CREATE INDEX CONCURRENTLY users_email ON users (email);');
    quiet(rule, 'CREATE TABLE users (id int, email text);\nCREATE INDEX ON users (email);');
    quiet(rule, 'CREATE TABLE app.users (id int);\nCREATE INDEX ON app.users (id);');
  });

  it('require-concurrent-index-deletion', () => {
    fires('require-concurrent-index-deletion', 'DROP INDEX users_email;');
    quiet('require-concurrent-index-deletion', 'DROP INDEX CONCURRENTLY users_email;');
  });

  it('ban-concurrent-index-creation-in-transaction', () => {
    const rule = 'ban-concurrent-index-creation-in-transaction';
    expect(rulesOf('BEGIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\nCOMMIT;')).toContain(rule);
    expect(rulesOf('START TRANSACTION;\nDROP INDEX CONCURRENTLY i;\nEND;')).toContain(rule);
    fires(rule, 'CREATE INDEX CONCURRENTLY i ON t (a);\nALTER TABLE t ADD COLUMN b int;');
    fires(
      rule,
      'CREATE UNIQUE INDEX CONCURRENTLY i ON t (a);\nCREATE INDEX CONCURRENTLY j ON t (b);',
    );
    quiet(rule, 'CREATE INDEX CONCURRENTLY i ON t (a);');
    expect(
      rulesOf(
        "SET lock_timeout = '2s';\nSET statement_timeout = 0;\nCREATE INDEX CONCURRENTLY i ON t (a);",
      ),
    ).toEqual([]);
    // A committed transaction earlier in the file is over; the rest is the atomicity rule.
    const after = lintSql('BEGIN;\nSELECT 1;\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON t (a);');
    expect(after.find((f) => f.rule === rule)?.message).toMatch(/would not be atomic/);
  });

  it('constraint-missing-not-valid', () => {
    const rule = 'constraint-missing-not-valid';
    fires(
      rule,
      'ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);',
    );
    fires(rule, 'ALTER TABLE orders ADD CHECK (total >= 0);');
    fires(rule, 'ALTER TABLE orders ADD CONSTRAINT positive CHECK (total >= 0);');
    quiet(
      rule,
      'ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;',
    );
    quiet(rule, 'ALTER TABLE orders ADD CONSTRAINT positive CHECK (total >= 0) NOT VALID;');
    quiet(rule, 'ALTER TABLE orders VALIDATE CONSTRAINT positive;');
    quiet(
      rule,
      'CREATE TABLE orders (id int, user_id int);\nALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users (id);',
    );
  });

  it('disallowed-unique-constraint', () => {
    const rule = 'disallowed-unique-constraint';
    fires(rule, 'ALTER TABLE users ADD CONSTRAINT email_key UNIQUE (email);');
    fires(rule, 'ALTER TABLE users ADD PRIMARY KEY (id);');
    quiet(rule, 'ALTER TABLE users ADD CONSTRAINT email_key UNIQUE USING INDEX users_email;');
    quiet(rule, 'CREATE TABLE users (id int);\nALTER TABLE users ADD PRIMARY KEY (id);');
  });

  it('changing-column-type', () => {
    const rule = 'changing-column-type';
    fires(rule, 'ALTER TABLE users ALTER COLUMN id TYPE bigint;');
    fires(rule, 'ALTER TABLE users ALTER id SET DATA TYPE bigint USING id::bigint;');
    quiet(rule, 'ALTER TABLE users ALTER COLUMN id SET DEFAULT 0;');
    quiet(rule, 'CREATE TABLE users (id int);\nALTER TABLE users ALTER COLUMN id TYPE bigint;');
  });

  it('renaming-column and renaming-table', () => {
    fires('renaming-column', 'ALTER TABLE users RENAME COLUMN email TO mail;');
    fires('renaming-column', 'ALTER TABLE IF EXISTS users RENAME email TO mail;');
    quiet('renaming-column', 'ALTER TABLE users RENAME CONSTRAINT a TO b;');
    quiet('renaming-column', 'ALTER TABLE users RENAME TO people;');
    fires('renaming-table', 'ALTER TABLE users RENAME TO people;');
    quiet('renaming-table', 'ALTER TABLE users RENAME COLUMN email TO mail;');
    quiet('renaming-table', 'CREATE TABLE tmp (id int);\nALTER TABLE tmp RENAME TO people;');
  });

  it('ban-drop-column and ban-drop-table', () => {
    fires('ban-drop-column', 'ALTER TABLE users DROP COLUMN email;');
    fires('ban-drop-column', 'ALTER TABLE users DROP IF EXISTS email CASCADE;');
    quiet('ban-drop-column', 'ALTER TABLE users DROP CONSTRAINT email_key;');
    quiet('ban-drop-column', 'ALTER TABLE users ALTER COLUMN email DROP NOT NULL;');
    fires('ban-drop-table', 'DROP TABLE users;');
    fires('ban-drop-table', 'CREATE TABLE tmp (id int);\nDROP TABLE IF EXISTS tmp, users;');
    quiet('ban-drop-table', 'CREATE TABLE tmp (id int);\nDROP TABLE tmp;');
    quiet('ban-drop-table', 'DROP VIEW users_view;');
  });

  it('require-lock-timeout', () => {
    const rule = 'require-lock-timeout';
    expect(rulesOf('ALTER TABLE users ADD COLUMN note text;')).toEqual([rule]);
    expect(rulesOf('DROP VIEW old_report;')).toEqual([rule]);
    expect(rulesOf('CREATE INDEX i ON users (a);')).toContain(rule);
    expect(
      rulesOf("SET LOCAL lock_timeout = '5s';\nALTER TABLE users ADD COLUMN note text;"),
    ).toEqual([]);
    expect(rulesOf("SET lock_timeout TO '5s';\nALTER TABLE users ADD COLUMN note text;")).toEqual(
      [],
    );
    // Only DDL on objects that existed before the file needs it.
    expect(
      rulesOf('CREATE TABLE t (id int);\nCREATE INDEX ON t (id);\nALTER TABLE t ADD x int;'),
    ).toEqual([]);
    expect(rulesOf('CREATE INDEX CONCURRENTLY i ON users (a);')).toEqual([]);
    // Turning it off does not count; setting it after the first DDL is too late.
    expect(rulesOf('SET lock_timeout = 0;\nALTER TABLE users ADD note text;')).toEqual([rule]);
    const late = lintSql(
      "ALTER TABLE a ADD x int;\nSET lock_timeout = '1s';\nALTER TABLE b ADD y int;",
    );
    expect(late.map((f) => [f.rule, f.line])).toEqual([[rule, 1]]);
    // SET LOCAL inside the file's own transaction ends with it.
    expect(
      rulesOf("BEGIN;\nSET LOCAL lock_timeout = '1s';\nCOMMIT;\nALTER TABLE a ADD x int;"),
    ).toEqual([rule]);
    // One finding per file, however many statements.
    expect(rulesOf('ALTER TABLE a ADD x int;\nALTER TABLE b ADD y int;')).toEqual([rule]);
  });

  it('has one name per rule, squawk-style', () => {
    expect(new Set(LINT_RULES).size).toBe(LINT_RULES.length);
    for (const name of LINT_RULES) expect(name).toMatch(/^[a-z]+(-[a-z]+)+$/);
    expect(LINT_RULES).toEqual(
      expect.arrayContaining([
        'adding-not-nullable-field',
        'require-concurrent-index-creation',
        'ban-concurrent-index-creation-in-transaction',
        'constraint-missing-not-valid',
        'changing-column-type',
        'renaming-column',
        'renaming-table',
        'ban-drop-column',
        'ban-drop-table',
        'require-lock-timeout',
      ]),
    );
  });
});
