import type { Recognition } from '../recognition.js';

/**
 * A recognitions row joined with its sender's name, as both backends return it (PostgreSQL
 * formats created_at as text).
 */
export interface RecognitionRow {
  id: string;
  org_id: string;
  from_user_id: string;
  /** users.name of the sender, joined. */
  from_name: string;
  to_user_id: string;
  message: string;
  badges: string;
  created_at: string;
}

export function fromRow(row: RecognitionRow): Recognition {
  return {
    id: row.id,
    orgId: row.org_id,
    fromUserId: row.from_user_id,
    fromName: row.from_name,
    toUserId: row.to_user_id,
    message: row.message,
    badges: parseBadges(row.badges),
    createdAt: row.created_at,
  };
}

/** Badges are stored as JSON text; a row that holds anything else yields none. */
export function parseBadges(text: string): string[] {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value.filter((b): b is string => typeof b === 'string') : [];
  } catch {
    return [];
  }
}
