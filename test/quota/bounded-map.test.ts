import { describe, expect, it } from 'vitest';
import { BoundedMap } from '../../src/quota/bounded-map.js';

describe('BoundedMap', () => {
  it('never holds more than max keys and keeps recently read ones longer', () => {
    const map = new BoundedMap<number>(3);
    for (const [i, key] of ['a', 'b', 'c'].entries()) map.set(key, i);
    expect(map.get('a')).toBe(0); // read: gets a second chance
    map.set('d', 3);
    expect(map.size).toBe(3);
    expect(map.get('b')).toBeUndefined();
    expect(map.get('a')).toBe(0);
    for (let i = 0; i < 10; i++) map.set(`k${i}`, i);
    expect(map.size).toBe(3);
    expect([...map.entries()].map(([key]) => key)).toEqual(['k7', 'k8', 'k9']);
  });
});
