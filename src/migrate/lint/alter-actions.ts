import { IDENT, identName } from './names.js';

/** One action of an ALTER TABLE statement, as far as the rules care. */
export type AlterAction =
  | { type: 'add-column'; column: string; definition: string }
  | { type: 'add-constraint'; kind: ConstraintKind; notValid: boolean; usingIndex: boolean }
  | { type: 'change-type'; column: string }
  | { type: 'set-not-null'; column: string }
  | { type: 'drop-column'; column: string }
  | { type: 'rename-column'; column: string; to: string }
  | { type: 'rename-table'; to: string }
  | { type: 'validate-constraint' }
  | { type: 'other' };

export type ConstraintKind = 'check' | 'foreign-key' | 'unique' | 'primary-key' | 'exclude';

const CONSTRAINT = new RegExp(
  String.raw`^ADD (?:CONSTRAINT ${IDENT} )?(CHECK|FOREIGN KEY|UNIQUE|PRIMARY KEY|EXCLUDE)\b`,
  'i',
);
const ADD_CONSTRAINT_OTHER = /^ADD CONSTRAINT\b/i;
const ADD_COLUMN = new RegExp(`^ADD (?:COLUMN )?(?:IF NOT EXISTS )?(${IDENT})(.*)$`, 'i');
const CHANGE_TYPE = new RegExp(
  String.raw`^ALTER (?:COLUMN )?(?!CONSTRAINT\b)(${IDENT}) (?:SET DATA )?TYPE\b`,
  'i',
);
const SET_NOT_NULL = new RegExp(
  String.raw`^ALTER (?:COLUMN )?(?!CONSTRAINT\b)(${IDENT}) SET NOT NULL\b`,
  'i',
);
const DROP_COLUMN = new RegExp(
  String.raw`^DROP (?:COLUMN )?(?!CONSTRAINT\b)(?:IF EXISTS )?(${IDENT})`,
  'i',
);
const RENAME_TABLE = new RegExp(`^RENAME TO (${IDENT})`, 'i');
const RENAME_COLUMN = new RegExp(
  String.raw`^RENAME (?:COLUMN )?(?!CONSTRAINT\b)(${IDENT}) TO (${IDENT})`,
  'i',
);

/** Splits the text after `ALTER TABLE <name>` into its comma-separated actions. */
export function parseAlterActions(text: string, quoted: readonly string[]): AlterAction[] {
  return splitTopLevel(text).map((action) => parseAction(action, quoted));
}

type Build = (match: RegExpExecArray, name: (index: number) => string) => AlterAction;

/** Tried in order; the first pattern that matches an action decides what it is. */
const ACTIONS: Array<[RegExp, Build]> = [
  [ADD_CONSTRAINT_OTHER, () => ({ type: 'other' })],
  [
    ADD_COLUMN,
    (m, name) => ({ type: 'add-column', column: name(1), definition: m[2]?.trim() ?? '' }),
  ],
  [CHANGE_TYPE, (_, name) => ({ type: 'change-type', column: name(1) })],
  [SET_NOT_NULL, (_, name) => ({ type: 'set-not-null', column: name(1) })],
  [DROP_COLUMN, (_, name) => ({ type: 'drop-column', column: name(1) })],
  [RENAME_TABLE, (_, name) => ({ type: 'rename-table', to: name(1) })],
  [RENAME_COLUMN, (_, name) => ({ type: 'rename-column', column: name(1), to: name(2) })],
  [/^VALIDATE CONSTRAINT\b/i, () => ({ type: 'validate-constraint' })],
];

function parseAction(action: string, quoted: readonly string[]): AlterAction {
  const constraint = CONSTRAINT.exec(action);
  if (constraint) {
    return {
      type: 'add-constraint',
      kind: (constraint[1] ?? '').toLowerCase().replace(' ', '-') as ConstraintKind,
      notValid: /\bNOT VALID\b/i.test(action),
      usingIndex: /\bUSING INDEX\b/i.test(action),
    };
  }
  for (const [pattern, build] of ACTIONS) {
    const match = pattern.exec(action);
    if (match) return build(match, (index) => identName(match[index] ?? '', quoted));
  }
  return { type: 'other' };
}

/** Splits at commas outside parentheses (strings are already blanked by the scanner). */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    else if (ch === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter((part) => part !== '');
}
