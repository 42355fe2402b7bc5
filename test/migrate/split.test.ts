import { describe, expect, it } from 'vitest';
import { splitStatements, stripComments } from '../../src/migrate/split.js';

const texts = (sql: string) => splitStatements(sql).map((s) => s.text);

describe('splitStatements', () => {
  it('splits at top-level semicolons and records start lines', () => {
    const sql = 'CREATE TABLE a (id int);\n\n-- the second\nCREATE TABLE b (id int);\n';
    expect(splitStatements(sql)).toEqual([
      { text: 'CREATE TABLE a (id int)', line: 1 },
      { text: '-- the second\nCREATE TABLE b (id int)', line: 3 },
    ]);
  });

  it('ignores semicolons in strings, identifiers, comments and dollar quotes', () => {
    const sql = [
      "INSERT INTO t VALUES ('a;b', 'it''s; fine');",
      'SELECT "odd;name" FROM t; -- trailing; comment',
      '/* block; /* nested; */ still; */ SELECT 1;',
      'CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql;',
      "SELECT E'\\';x';",
    ].join('\n');
    expect(texts(sql)).toHaveLength(5);
    expect(texts(sql)[3]).toContain('RETURN 1; END;');
  });

  it('keeps a SQLite trigger body whole', () => {
    const sql = `CREATE TRIGGER t AFTER INSERT ON a BEGIN
      UPDATE b SET n = CASE WHEN n > 0 THEN n + 1 ELSE 1 END;
      INSERT INTO log VALUES (1);
    END;
    SELECT 1;`;
    const out = texts(sql);
    expect(out).toHaveLength(2);
    expect(out[0]).toMatch(/END$/);
  });

  it('drops comment-only and empty statements', () => {
    expect(texts('-- nothing here\n;;  ;\n/* nor here */')).toEqual([]);
  });

  it('counts lines from a given offset', () => {
    expect(splitStatements('\nSELECT 1;', 10)[0]?.line).toBe(11);
  });
});

describe('stripComments', () => {
  it('removes comments but not comment-like text in strings', () => {
    expect(stripComments("SELECT '--x' -- gone\n/* gone */ FROM t").replace(/\s+/g, ' ')).toBe(
      "SELECT '--x' FROM t",
    );
  });
});
