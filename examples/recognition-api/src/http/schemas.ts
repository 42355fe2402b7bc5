import { MAX_PAGE_SIZE } from '../service.js';

/**
 * JSON schemas for the routes, written for the newest API version (v2) only: v1 requests are
 * upgraded before validation and responses downgraded after serialization by the change
 * module. Fastify validates requests with them (a failure is a 400 problem naming the field)
 * and serializes responses with them (only these fields leave).
 */
const userId = { type: 'string', minLength: 1, maxLength: 64 } as const;

export const MAX_MESSAGE_LENGTH = 2000;
export const MAX_BADGES = 10;
export const MAX_BADGE_LENGTH = 32;

export const recognitionView = {
  type: 'object',
  required: ['id', 'from', 'to', 'text', 'badges', 'createdAt'],
  properties: {
    id: { type: 'string' },
    from: {
      type: 'object',
      required: ['id', 'name'],
      properties: { id: { type: 'string' }, name: { type: 'string' } },
    },
    to: { type: 'string' },
    text: { type: 'string' },
    badges: { type: 'array', items: { type: 'string' } },
    createdAt: { type: 'string' },
  },
} as const;

export const createBody = {
  type: 'object',
  required: ['to', 'text'],
  additionalProperties: false,
  properties: {
    to: userId,
    from: {
      type: 'object',
      required: ['id'],
      additionalProperties: false,
      properties: { id: userId },
    },
    text: { type: 'string', minLength: 1, maxLength: MAX_MESSAGE_LENGTH },
    badges: {
      type: 'array',
      maxItems: MAX_BADGES,
      items: { type: 'string', minLength: 1, maxLength: MAX_BADGE_LENGTH },
    },
  },
} as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    to: userId,
    limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE },
    cursor: { type: 'string', minLength: 1, maxLength: 512 },
  },
} as const;

export const page = {
  type: 'object',
  required: ['data', 'nextCursor'],
  properties: {
    data: { type: 'array', items: recognitionView },
    nextCursor: { type: ['string', 'null'] },
  },
} as const;
