import { randomBytes } from 'node:crypto';
import type { RecognitionV2 } from '../../../src/versioning/examples/recognitions.js';

/** One recognition: a user of an organization thanking another user of the same organization. */
export interface Recognition {
  /** `rec_` + 20 random base32 characters. */
  id: string;
  orgId: string;
  fromUserId: string;
  /** The sender's display name: joined from `users` on read, not stored with the row. */
  fromName: string;
  toUserId: string;
  message: string;
  badges: string[];
  /** ISO 8601 UTC with milliseconds, e.g. `2025-01-31T09:30:00.000Z`. */
  createdAt: string;
}

/** What a caller is, once their API key has been recognised. */
export interface Caller {
  orgId: string;
  userId: string;
}

export interface Organization {
  id: string;
  name: string;
  createdAt: string;
}

export interface User {
  id: string;
  orgId: string;
  name: string;
  email: string;
}

export interface ApiKey {
  /** Hex SHA-256 of the raw key; the raw key itself is never stored. */
  keyHash: string;
  orgId: string;
  userId: string;
  label: string;
  createdAt: string;
}

/**
 * A recognition as it leaves over HTTP, in the newest API version (v2): the sender as
 * `{ id, name }`, the message as `text`, no org id (the caller knows it). v1 callers get it
 * through the change module `messageBecomesText`.
 */
export type RecognitionView = RecognitionV2;

const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
export const RECOGNITION_ID_PATTERN = /^rec_[a-z2-7]{20}$/;

/** A fresh recognition id: `rec_` + 100 random bits in lower-case base32. */
export function newRecognitionId(): string {
  const bytes = randomBytes(20);
  let id = 'rec_';
  for (const byte of bytes) id += ID_ALPHABET[byte & 31];
  return id;
}

export function toView(recognition: Recognition): RecognitionView {
  return {
    id: recognition.id,
    from: { id: recognition.fromUserId, name: recognition.fromName },
    to: recognition.toUserId,
    text: recognition.message,
    badges: recognition.badges,
    createdAt: recognition.createdAt,
  };
}
