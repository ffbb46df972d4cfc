/**
 * A fixed-capacity FIFO: `push` drops the oldest entry when full and says so. Used for the
 * call events that wait while the broker is away.
 */
export class BoundedQueue<T> {
  readonly #items: (T | undefined)[] = [];
  #head = 0;
  #size = 0;

  constructor(readonly capacity: number) {}

  /** Entries waiting. */
  get size(): number {
    return this.#size;
  }

  /** Adds a value; returns true when the oldest value had to be dropped for it. */
  push(value: T): boolean {
    this.#items[(this.#head + this.#size) % this.capacity] = value;
    if (this.#size < this.capacity) {
      this.#size += 1;
      return false;
    }
    this.#head = (this.#head + 1) % this.capacity;
    return true;
  }

  /** Removes and returns the oldest value. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const value = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.capacity;
    this.#size -= 1;
    return value;
  }
}
