/**
 * Identifier handling on scanned code (see scan.ts): a name part is either a `"#<n>"`
 * placeholder for a quoted identifier or a bare word, which PostgreSQL folds to lower case.
 */

/** Regex source for one identifier part. */
export const IDENT = String.raw`(?:"#\d+"|[A-Za-z_][A-Za-z0-9_$]*)`;
/** Regex source for a possibly schema-qualified name (`name`, `schema.name`, `db.schema.name`). */
export const QNAME = String.raw`${IDENT}(?: ?\. ?${IDENT}){0,2}`;

/** A table as a statement names it; `schema` is undefined when the name is unqualified. */
export interface TableName {
  schema: string | undefined;
  name: string;
}

const PART = /"#(\d+)"|[A-Za-z_][A-Za-z0-9_$]*/g;

/** The parts of a (qualified) name matched by IDENT/QNAME, with placeholders resolved. */
export function nameParts(raw: string, quoted: readonly string[]): string[] {
  return [...raw.matchAll(PART)].map((match) =>
    match[1] === undefined ? match[0].toLowerCase() : (quoted[Number(match[1])] ?? ''),
  );
}

/** The table a QNAME match names. */
export function tableName(raw: string, quoted: readonly string[]): TableName {
  const parts = nameParts(raw, quoted);
  return { schema: parts.at(-2), name: parts.at(-1) ?? '' };
}

/** The plain name an IDENT match names (for messages). */
export function identName(raw: string, quoted: readonly string[]): string {
  return nameParts(raw, quoted).at(-1) ?? raw;
}

/**
 * True when two names can denote the same table. An unqualified name matches that name in
 * any schema: the linter does not know the search_path.
 */
export function sameTable(a: TableName, b: TableName): boolean {
  return (
    a.name === b.name && (a.schema === undefined || b.schema === undefined || a.schema === b.schema)
  );
}

/** The name as it would be written in SQL, for messages. */
export function formatTable(table: TableName): string {
  const quote = (part: string) =>
    /^[a-z_][a-z0-9_$]*$/.test(part) ? part : `"${part.replaceAll('"', '""')}"`;
  return table.schema === undefined
    ? quote(table.name)
    : `${quote(table.schema)}.${quote(table.name)}`;
}
