/**
 * Suppression comments: `-- breakwater:allow <rule>[, <rule>...]`. Squawk's names for the
 * same checks are accepted as aliases, so a comment written for squawk keeps working.
 */
export const RULE_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  'adding-required-field': 'adding-not-nullable-field',
  'adding-foreign-key-constraint': 'constraint-missing-not-valid',
});

const ALLOW = /breakwater:allow\s+([A-Za-z0-9_-]+(?:[ \t]*,[ \t]*[A-Za-z0-9_-]+)*)/gi;

/** The rule names the comments allow, aliases resolved to their rule. */
export function allowedRules(comments: readonly string[]): Set<string> {
  const allowed = new Set<string>();
  for (const comment of comments) {
    for (const match of comment.matchAll(ALLOW)) {
      for (const raw of (match[1] ?? '').split(',')) {
        const name = raw.trim().toLowerCase();
        allowed.add(RULE_ALIASES[name] ?? name);
      }
    }
  }
  return allowed;
}
