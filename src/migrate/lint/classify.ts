import { type AlterAction, parseAlterActions } from './alter-actions.js';
import { QNAME, type TableName, tableName } from './names.js';

/** What a statement is, as far as the rules care. */
export type StatementShape =
  | { type: 'create-table'; table: TableName }
  | { type: 'alter-table'; table: TableName; actions: AlterAction[] }
  | { type: 'create-index'; table: TableName; concurrently: boolean }
  | { type: 'drop-index'; concurrently: boolean }
  | { type: 'drop-table'; tables: TableName[] }
  | { type: 'drop-other' }
  | { type: 'create-trigger'; table: TableName }
  | { type: 'set'; lockTimeout: boolean; local: boolean }
  | { type: 'begin' }
  | { type: 'end-transaction' }
  | { type: 'other' };

const CREATE_TABLE = new RegExp(
  `^CREATE (?:(?:GLOBAL|LOCAL) )?(?:(?:TEMP|TEMPORARY|UNLOGGED) )?TABLE (?:IF NOT EXISTS )?(${QNAME})`,
  'i',
);
const ALTER_TABLE = new RegExp(
  String.raw`^ALTER TABLE (?:IF EXISTS )?(?:ONLY )?(${QNAME})(?: ?\*)? (.+)$`,
  'i',
);
const CREATE_INDEX = new RegExp(
  String.raw`^CREATE (?:UNIQUE )?INDEX( CONCURRENTLY)?(?: IF NOT EXISTS)?(?: (?!ON\b)${QNAME})? ON (?:ONLY )?(${QNAME})`,
  'i',
);
const DROP_INDEX = /^DROP INDEX( CONCURRENTLY)?\b/i;
const DROP_TABLE = new RegExp(`^DROP TABLE (?:IF EXISTS )?(${QNAME}(?: ?, ?${QNAME})*)`, 'i');
const CREATE_TRIGGER = new RegExp(
  String.raw`^CREATE (?:OR REPLACE )?(?:CONSTRAINT )?TRIGGER\b.*? ON (?:ONLY )?(${QNAME})`,
  'i',
);
const SET_LOCK_TIMEOUT = /^SET (?:SESSION |LOCAL )?lock_timeout\b/i;
const LOCK_TIMEOUT_OFF = /^SET (?:SESSION |LOCAL )?lock_timeout ?(?:=|TO) ?(?:0|DEFAULT)$/i;
const CONCURRENT = [
  /^CREATE (?:UNIQUE )?INDEX CONCURRENTLY\b/i,
  /^DROP INDEX CONCURRENTLY\b/i,
  /^REINDEX\b.*\bCONCURRENTLY\b/i,
  /^ALTER TABLE\b.*\bDETACH PARTITION\b.*\bCONCURRENTLY\b/i,
];

/** Classifies scanned code (see scan.ts). */
export function classify(code: string, quoted: readonly string[]): StatementShape {
  const table = (raw: string | undefined) => tableName(raw ?? '', quoted);
  let m = CREATE_TABLE.exec(code);
  if (m) return { type: 'create-table', table: table(m[1]) };
  m = ALTER_TABLE.exec(code);
  if (m)
    return {
      type: 'alter-table',
      table: table(m[1]),
      actions: parseAlterActions(m[2] ?? '', quoted),
    };
  m = CREATE_INDEX.exec(code);
  if (m) return { type: 'create-index', table: table(m[2]), concurrently: m[1] !== undefined };
  m = DROP_INDEX.exec(code);
  if (m) return { type: 'drop-index', concurrently: m[1] !== undefined };
  m = DROP_TABLE.exec(code);
  if (m) {
    const names = (m[1] ?? '').split(/ ?, ?/);
    return { type: 'drop-table', tables: names.map((name) => table(name)) };
  }
  if (/^DROP\b/i.test(code)) return { type: 'drop-other' };
  m = CREATE_TRIGGER.exec(code);
  if (m) return { type: 'create-trigger', table: table(m[1]) };
  if (/^SET\b/i.test(code)) {
    return {
      type: 'set',
      lockTimeout: SET_LOCK_TIMEOUT.test(code) && !LOCK_TIMEOUT_OFF.test(code),
      local: /^SET LOCAL\b/i.test(code),
    };
  }
  if (/^(?:BEGIN|START TRANSACTION)\b/i.test(code)) return { type: 'begin' };
  if (/^(?:COMMIT|END|ABORT)\b|^ROLLBACK\b(?! TO\b)(?! PREPARED\b)/i.test(code)) {
    return { type: 'end-transaction' };
  }
  return { type: 'other' };
}

/** True for a CONCURRENTLY statement, which PostgreSQL refuses to run in a transaction block. */
export function isConcurrent(code: string): boolean {
  return CONCURRENT.some((pattern) => pattern.test(code));
}
