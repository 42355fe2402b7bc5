interface Entry<V> {
  value: V;
  used: boolean;
}

/**
 * A Map bounded to `max` keys that forgets the least recently used first, approximately
 * (second chance: a read marks the entry; eviction moves marked entries to the back once).
 * Reads never reorder the map, so they cost one lookup.
 */
export class BoundedMap<V> {
  readonly #map = new Map<string, Entry<V>>();

  constructor(readonly max: number) {}

  get size(): number {
    return this.#map.size;
  }

  /** The value, marked as recently used. */
  get(key: string): V | undefined {
    const entry = this.#map.get(key);
    if (entry === undefined) return undefined;
    entry.used = true;
    return entry.value;
  }

  set(key: string, value: V): void {
    const entry = this.#map.get(key);
    if (entry !== undefined) {
      entry.value = value;
      entry.used = true;
      return;
    }
    this.#map.set(key, { value, used: false });
    if (this.#map.size > this.max) this.#evict();
  }

  delete(key: string): void {
    this.#map.delete(key);
  }

  *entries(): IterableIterator<[string, V]> {
    for (const [key, entry] of this.#map) yield [key, entry.value];
  }

  #evict(): void {
    while (this.#map.size > this.max) {
      const first = this.#map.entries().next().value as [string, Entry<V>];
      this.#map.delete(first[0]);
      if (first[1].used) {
        first[1].used = false;
        this.#map.set(first[0], first[1]);
      }
    }
  }
}
