import { describe, expect, it } from 'vitest';
import { createHashCache, hashId } from '../../src/pipeline/index.js';

describe('createHashCache', () => {
  it('returns exactly what hashId returns, for new and cached ids', () => {
    const hash = createHashCache('s3cret');
    for (const id of ['org_acme', 'usr_ada', 'org_acme', 'usr_ada', '']) {
      expect(hash(id)).toBe(hashId('s3cret', id));
    }
    expect(createHashCache('s3cret', { length: 8 })('org_acme')).toBe(
      hashId('s3cret', 'org_acme', 8),
    );
  });

  it('keeps at most maxEntries ids and forgets the least recently used first', () => {
    const computed: string[] = [];
    const hash = createHashCache('k', {
      maxEntries: 2,
      compute: (id) => {
        computed.push(id);
        return `h(${id})`;
      },
    });
    expect([hash('a'), hash('b'), hash('a')]).toEqual(['h(a)', 'h(b)', 'h(a)']);
    expect(computed).toEqual(['a', 'b']); // the second a was a hit
    hash('c'); // full: evicts b, the least recently used (a was used after it)
    hash('a');
    expect(computed).toEqual(['a', 'b', 'c']);
    hash('b'); // b was forgotten: computed again, evicting c
    expect(computed).toEqual(['a', 'b', 'c', 'b']);
    hash('a');
    hash('c');
    expect(computed).toEqual(['a', 'b', 'c', 'b', 'c']);
  });

  it('refuses a cache without room', () => {
    expect(() => createHashCache('k', { maxEntries: 0 })).toThrow(RangeError);
  });
});
