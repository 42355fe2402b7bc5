import { describe, expect, it } from 'vitest';
import { lintSql } from '../../src/migrate/lint/index.js';

const rulesOf = (sql: string) => lintSql(sql).map((finding) => finding.rule);

describe('lintSql', () => {
  it('reports file, the line of the SQL itself and the statement', () => {
    const sql = [
      "SET lock_timeout = '5s';", // 1
      '', // 2
      '-- drop the old column', // 3
      '/* it has been unused', // 4
      '   since v2 */', // 5
      'ALTER TABLE users', // 6
      '  DROP COLUMN legacy;', // 7
      'DROP TABLE audit;', // 8
    ].join('\n');
    const findings = lintSql(sql, { file: '0003_cleanup.sql' });
    expect(findings).toEqual([
      {
        rule: 'ban-drop-column',
        message: expect.stringContaining('legacy'),
        file: '0003_cleanup.sql',
        line: 6,
        statement: 'ALTER TABLE users\n  DROP COLUMN legacy',
      },
      {
        rule: 'ban-drop-table',
        message: expect.stringContaining('audit'),
        file: '0003_cleanup.sql',
        line: 8,
        statement: 'DROP TABLE audit',
      },
    ]);
  });

  it('offsets lines by firstLine (an up section further down the file)', () => {
    const findings = lintSql('\nDROP TABLE audit;', { firstLine: 10 });
    expect(findings.map((f) => [f.rule, f.line])).toEqual([
      ['ban-drop-table', 11],
      ['require-lock-timeout', 11],
    ]);
    expect(findings[0]).not.toHaveProperty('file');
  });

  it('says what to do instead', () => {
    for (const finding of lintSql('ALTER TABLE t ADD COLUMN c int NOT NULL;')) {
      expect(finding.message).toMatch(/:.+/);
    }
    const [finding] = lintSql('CREATE INDEX CONCURRENTLY i ON t (a);\nSELECT 1;');
    expect(finding?.message).toMatch(/move it to a migration file of its own/);
  });

  it('is not fooled by comments, string literals or quoted identifiers', () => {
    const sql = [
      "SET lock_timeout = '5s';",
      '-- DROP TABLE users;',
      '/* ALTER TABLE users DROP COLUMN email; /* nested */ CREATE INDEX i ON users (a); */',
      "INSERT INTO log (msg) VALUES ('DROP TABLE users'), (E'it\\'s; ALTER TABLE x DROP COLUMN y');",
      'CREATE FUNCTION f() RETURNS void AS $body$ BEGIN DROP TABLE users; END $body$ LANGUAGE plpgsql;',
      'CREATE TABLE "drop table users" ("not null" int);',
      "COMMENT ON TABLE users IS 'ALTER TABLE users RENAME TO people';",
    ].join('\n');
    expect(rulesOf(sql)).toEqual([]);
    // Words that would exempt a statement do not count inside strings, comments or names.
    const exempt = [
      "SET lock_timeout = '5s';",
      "ALTER TABLE t ADD CONSTRAINT c CHECK (s <> 'NOT VALID');",
      'ALTER TABLE t ADD CONSTRAINT d CHECK (s > 0) -- NOT VALID later',
      ';',
      'ALTER TABLE t ADD COLUMN "DEFAULT" text NOT NULL /* DEFAULT */;',
      "ALTER TABLE t ADD COLUMN e text NOT NULL CHECK (e <> $$ DEFAULT 'x' $$);",
    ].join('\n');
    expect(lintSql(exempt).map((f) => [f.rule, f.line])).toEqual([
      ['constraint-missing-not-valid', 2],
      ['constraint-missing-not-valid', 3],
      ['adding-not-nullable-field', 5],
      ['adding-not-nullable-field', 6],
    ]);
  });

  it('is case-insensitive and understands quoted, schema-qualified names', () => {
    expect(
      rulesOf('set LOCK_TIMEOUT = 1000;\naLtEr TaBlE "My Table" dRoP cOlUmN "Email";'),
    ).toEqual(['ban-drop-column']);
    const [finding] = lintSql(
      'SET lock_timeout = \'1s\';\nALTER TABLE app."Users" RENAME TO people;',
    );
    expect(finding?.message).toContain('app."Users"');
    // A quoted name is case-sensitive: "Users" was created, users was not.
    expect(
      rulesOf('SET lock_timeout = 1;\nCREATE TABLE "Users" (id int);\nCREATE INDEX ON users (id);'),
    ).toEqual(['require-concurrent-index-creation']);
    expect(
      rulesOf(
        'SET lock_timeout = 1;\nCREATE TABLE IF NOT EXISTS app.t (id int);\nCREATE INDEX ON t (id);',
      ),
    ).toEqual([]);
  });

  it('allows a rule for one statement with a breakwater:allow comment', () => {
    const sql = [
      "SET lock_timeout = '5s';",
      '-- breakwater:allow ban-drop-column, renaming-column',
      'ALTER TABLE users DROP COLUMN legacy, RENAME COLUMN a TO b;',
      'ALTER TABLE users DROP COLUMN other;',
    ].join('\n');
    expect(lintSql(sql).map((f) => [f.rule, f.line])).toEqual([['ban-drop-column', 4]]);
    // Inside the statement works too; another rule's name does not.
    expect(
      rulesOf('SET lock_timeout = 1;\nDROP TABLE -- breakwater:allow ban-drop-table\n t;'),
    ).toEqual([]);
    expect(
      rulesOf('SET lock_timeout = 1;\n-- breakwater:allow ban-drop-column\nDROP TABLE t;'),
    ).toEqual(['ban-drop-table']);
  });

  it('accepts squawk alias names in allow comments', () => {
    const sql = [
      "SET lock_timeout = '5s';",
      '-- breakwater:allow adding-required-field',
      'ALTER TABLE t ADD COLUMN c int NOT NULL;',
      '-- breakwater:allow adding-foreign-key-constraint',
      'ALTER TABLE t ADD FOREIGN KEY (c) REFERENCES u (id);',
    ].join('\n');
    expect(rulesOf(sql)).toEqual([]);
  });

  it('allows require-lock-timeout from a comment anywhere in the file, not from a string', () => {
    expect(rulesOf('ALTER TABLE t ADD c int;\n-- breakwater:allow require-lock-timeout\n')).toEqual(
      [],
    );
    expect(
      rulesOf('SELECT 1;\n-- breakwater:allow require-lock-timeout\nALTER TABLE t ADD c int;'),
    ).toEqual([]);
    expect(
      rulesOf("SELECT '-- breakwater:allow require-lock-timeout';\nALTER TABLE t ADD c int;"),
    ).toEqual(['require-lock-timeout']);
    // Other rules are per statement only.
    expect(
      rulesOf(
        'SET lock_timeout = 1;\n-- breakwater:allow ban-drop-table\nSELECT 1;\nDROP TABLE t;',
      ),
    ).toEqual(['ban-drop-table']);
  });

  it('returns nothing for a safe file', () => {
    const sql = `SET lock_timeout = '5s';
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL);
CREATE INDEX ON orders (user_id);
ALTER TABLE orders ADD CONSTRAINT orders_user FOREIGN KEY (user_id) REFERENCES users (id);
ALTER TABLE users ADD COLUMN note text;
ALTER TABLE users ADD CONSTRAINT note_len CHECK (length(note) < 500) NOT VALID;`;
    expect(lintSql(sql)).toEqual([]);
  });
});
