import type {
  ClusterCommand,
  ClusterHandlers,
  DeliveredChange,
  DeliveredJournalEntry,
  SharedConfigDocument,
} from '../cluster-types.js';

// Test helper (not exported): cluster handlers that record what the cluster hands a daemon.

/** Handlers that record every call; commands answer ok. */
export interface Recorder extends ClusterHandlers {
  readonly changes: DeliveredChange[];
  readonly commands: ClusterCommand[];
  readonly configs: SharedConfigDocument[];
  readonly owned: Set<number>;
  readonly journal: DeliveredJournalEntry[];
  readonly webhooks: DeliveredChange[];
}

/** Creates a {@link Recorder}. */
export function recorder(): Recorder {
  const r: Recorder = {
    changes: [],
    commands: [],
    configs: [],
    owned: new Set(),
    journal: [],
    webhooks: [],
    onPartitionsGained: (ps) => {
      for (const p of ps) r.owned.add(p);
    },
    onPartitionsLost: (ps) => {
      for (const p of ps) r.owned.delete(p);
    },
    onChange: (c) => r.changes.push(c),
    onJournalEntry: (e) => r.journal.push(e),
    onCommand: (c) => {
      r.commands.push(c);
      return Promise.resolve({ ok: true, value: `ran ${c.name}` });
    },
    onConfig: (doc) => r.configs.push(doc),
    onWebhookChange: (c) => {
      r.webhooks.push(c);
      return Promise.resolve();
    },
  };
  return r;
}
