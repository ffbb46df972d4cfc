import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { ClusterNames } from '../names.js';

// The few streams and buckets the command bus, shared config and webhook feed need, created for
// their tests. The real layout (replicas, TTLs, the `meta` key) is init.ts's job; this stays a
// test helper so those modules can be tested before and independently of it.

/** Buckets and stream of the shared modules, opened on one connection. */
export interface SharedLayout {
  readonly commands: KV;
  readonly config: KV;
}

/**
 * Creates (idempotently) the commands and config buckets and the CHANGES stream under `names`,
 * with `replicas` copies (3 on a 3-node test cluster, so a killed server loses nothing).
 */
export async function ensureSharedLayout(
  nc: NatsConnection,
  names: ClusterNames,
  replicas = 1,
): Promise<SharedLayout> {
  // A fresh 3-node cluster elects its JetStream meta leader a few seconds after start: retry.
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await createLayout(nc, names, replicas);
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function createLayout(
  nc: NatsConnection,
  names: ClusterNames,
  replicas: number,
): Promise<SharedLayout> {
  const js = jetstream(nc);
  const jsm = await jetstreamManager(nc);
  const kvm = new Kvm(js);
  const commands = await kvm.create(names.buckets.commands, {
    history: 1,
    replicas,
    ttl: 3_600_000,
  });
  const config = await kvm.create(names.buckets.config, { history: 1, replicas });
  const prefix = names.changeSubject(0, 'x').split('.')[0] ?? 'snomlink';
  try {
    await jsm.streams.info(names.changesStream);
  } catch {
    await jsm.streams.add({
      name: names.changesStream,
      subjects: [`${prefix}.ch.>`],
      num_replicas: replicas,
    });
  }
  return { commands, config };
}

/** Opens the buckets created by {@link ensureSharedLayout} on another connection. */
export async function openSharedLayout(
  nc: NatsConnection,
  names: ClusterNames,
): Promise<SharedLayout> {
  const kvm = new Kvm(jetstream(nc));
  return {
    commands: await kvm.open(names.buckets.commands),
    config: await kvm.open(names.buckets.config),
  };
}
