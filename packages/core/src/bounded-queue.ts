/**
 * A fixed-capacity FIFO ring: `push` drops the oldest entry when full and says so. The one ring
 * behind the event hub's per-reader buffers and the MQTT bridge's queue while the broker is
 * away; a caller that must not lose entries keeps them elsewhere.
 */
export interface BoundedQueue<T> {
  readonly capacity: number;
  /** Entries waiting. */
  readonly size: number;
  /** Adds a value; returns true when the oldest value had to be dropped for it. */
  push(value: T): boolean;
  /** Removes and returns the oldest value, or undefined when empty. */
  shift(): T | undefined;
  /** Drops every entry (and the references to them). */
  clear(): void;
}

class Ring<T> implements BoundedQueue<T> {
  readonly #items: (T | undefined)[] = [];
  #head = 0;
  #size = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.#size;
  }

  push(value: T): boolean {
    this.#items[(this.#head + this.#size) % this.capacity] = value;
    if (this.#size < this.capacity) {
      this.#size += 1;
      return false;
    }
    this.#head = (this.#head + 1) % this.capacity;
    return true;
  }

  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const value = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.capacity;
    this.#size -= 1;
    return value;
  }

  clear(): void {
    this.#items.length = 0;
    this.#head = 0;
    this.#size = 0;
  }
}

/**
 * Creates an empty {@link BoundedQueue} of `capacity` entries. Throws a RangeError unless the
 * capacity is a whole number of at least 1 (a ring of 0 or 2.5 entries is a programming error).
 */
export function createBoundedQueue<T>(capacity: number): BoundedQueue<T> {
  if (!Number.isInteger(capacity) || capacity < 1)
    throw new RangeError(
      `a bounded queue holds a whole number of entries, at least 1; got ${String(capacity)}`,
    );
  return new Ring<T>(capacity);
}
