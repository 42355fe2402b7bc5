/** A value a MarkedMap holds: `recent` marks it as read since eviction last passed it. */
export interface Marked {
  recent: boolean;
}

/**
 * A Map bounded to `max` keys that forgets the least recently used first, approximately
 * (second chance: a read marks the value; eviction moves marked values to the back once).
 * Reads never reorder the map, so they cost one lookup. The mark lives on the value itself,
 * so a key costs no object besides its value.
 */
export class MarkedMap<V extends Marked> {
  readonly #map = new Map<string, V>();

  constructor(readonly max: number) {}

  get size(): number {
    return this.#map.size;
  }

  /** The value, marked as recently used. */
  get(key: string): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) value.recent = true;
    return value;
  }

  /** Adds or replaces the value of `key` (a new value starts unmarked). */
  set(key: string, value: V): void {
    const known = this.#map.has(key);
    this.#map.set(key, value);
    if (known) value.recent = true;
    else if (this.#map.size > this.max) this.#evict();
  }

  delete(key: string): void {
    this.#map.delete(key);
  }

  entries(): IterableIterator<[string, V]> {
    return this.#map.entries();
  }

  #evict(): void {
    while (this.#map.size > this.max) {
      const [key, value] = this.#map.entries().next().value as [string, V];
      this.#map.delete(key);
      if (value.recent) {
        value.recent = false;
        this.#map.set(key, value);
      }
    }
  }
}

interface Entry<V> extends Marked {
  value: V;
}

/** A MarkedMap of any values: each is held in an entry that carries the mark. */
export class BoundedMap<V> {
  readonly #map: MarkedMap<Entry<V>>;

  constructor(readonly max: number) {
    this.#map = new MarkedMap(max);
  }

  get size(): number {
    return this.#map.size;
  }

  /** The value, marked as recently used. */
  get(key: string): V | undefined {
    return this.#map.get(key)?.value;
  }

  set(key: string, value: V): void {
    const entry = this.#map.get(key);
    if (entry !== undefined) entry.value = value;
    else this.#map.set(key, { value, recent: false });
  }

  delete(key: string): void {
    this.#map.delete(key);
  }

  *entries(): IterableIterator<[string, V]> {
    for (const [key, entry] of this.#map.entries()) yield [key, entry.value];
  }
}
