/** What a hub stream yields: a value, or a note that a slow reader lost `count` values. */
export type HubItem<T> =
  | { readonly type: 'value'; readonly value: T }
  | { readonly type: 'dropped'; readonly count: number };

export interface EventHubOptions {
  /** Default buffer per stream reader before the oldest entries are dropped. Default 1024. */
  readonly bufferSize?: number;
}

export interface HubStreamOptions {
  readonly bufferSize?: number;
  /** Ends the iteration when aborted. */
  readonly signal?: AbortSignal;
}

/** Typed publish/subscribe; `publish` never blocks and never throws because of a subscriber. */
export interface EventHub<T> {
  publish(value: T): void;
  /** Synchronous listener; returns an unsubscribe function. */
  subscribe(listener: (value: T) => void): () => void;
  /** Async iteration with a bounded buffer: a slow reader loses the oldest and is told how many. */
  stream(options?: HubStreamOptions): AsyncIterableIterator<HubItem<T>>;
  readonly subscriberCount: number;
}

/** Creates a typed event hub. */
export function createEventHub<T>(options: EventHubOptions = {}): EventHub<T> {
  void options;
  throw new Error('createEventHub: not implemented yet');
}
