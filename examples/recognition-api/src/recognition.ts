import { randomBytes } from 'node:crypto';

/** One recognition: a user of an organization thanking another user of the same organization. */
export interface Recognition {
  /** `rec_` + 20 random base32 characters. */
  id: string;
  orgId: string;
  fromUserId: string;
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

/** A recognition as it leaves over HTTP (snake_case free, no org id: the caller knows it). */
export interface RecognitionView {
  id: string;
  from: string;
  to: string;
  message: string;
  badges: string[];
  createdAt: string;
}

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
    from: recognition.fromUserId,
    to: recognition.toUserId,
    message: recognition.message,
    badges: recognition.badges,
    createdAt: recognition.createdAt,
  };
}
