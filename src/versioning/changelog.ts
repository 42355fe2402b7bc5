import { isoInstant } from './http-dates.js';
import type { VersionSet } from './version-set.js';

export interface ChangelogChange {
  description: string;
  routes: string[];
  resources: string[];
}

/** One version in the changelog, with what changed when it was introduced. */
export interface ChangelogVersion {
  version: string;
  summary?: string;
  current: boolean;
  /** ISO 8601 (`2025-06-01`, or a full instant when not midnight UTC). */
  deprecation?: string;
  sunset?: string;
  changes: ChangelogChange[];
}

/** The changelog generated from the change modules: newest version first. */
export function changelog(set: VersionSet): ChangelogVersion[] {
  return [...set.versions].reverse().map((version) => {
    const { deprecationAt, sunsetAt } = version.lifecycle;
    return {
      version: version.id,
      ...(version.summary === undefined ? {} : { summary: version.summary }),
      current: version.id === set.current,
      ...(deprecationAt === undefined ? {} : { deprecation: isoInstant(deprecationAt) }),
      ...(sunsetAt === undefined ? {} : { sunset: isoInstant(sunsetAt) }),
      changes: version.changes.map(({ module }) => ({
        description: module.description.trim(),
        routes: [...(module.routes ?? [])],
        resources: [...(module.resources ?? [])],
      })),
    };
  });
}

/** The changelog as text for a terminal or a release note. */
export function formatChangelog(entries: readonly ChangelogVersion[]): string {
  const lines: string[] = [];
  entries.forEach((entry, index) => {
    const notes = [
      entry.current ? 'current' : undefined,
      entry.deprecation ? `deprecated ${entry.deprecation}` : undefined,
      entry.sunset ? `sunset ${entry.sunset}` : undefined,
    ].filter((note) => note !== undefined);
    lines.push(`${entry.version}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`);
    if (entry.summary) lines.push(`  ${entry.summary}`);
    for (const change of entry.changes) {
      lines.push(`  - ${change.description}`);
      if (change.routes.length > 0) lines.push(`    routes: ${change.routes.join(', ')}`);
      if (change.resources.length > 0) lines.push(`    resources: ${change.resources.join(', ')}`);
    }
    if (entry.changes.length === 0) {
      lines.push(index === entries.length - 1 ? '  - first version' : '  - no breaking changes');
    }
    lines.push('');
  });
  return lines.join('\n');
}
