import { readFile } from 'node:fs/promises';
import { traceCall } from '@snomlink/cluster-nats/testing';
import { partitionOf } from '@snomlink/core';
import type { PlacedCall } from './call-load.js';
import type { TestCluster } from './test-cluster.js';

/** Lines of a daemon's log about one partition or call (leases, processors, fences). */
function aboutPartition(log: string, partition: number, callId: string): string[] {
  const p = String(partition);
  const mentions = new RegExp(
    `"partition":${p}[,}]|"partitions":\\[(?:[\\d,]*,)?${p}[,\\]]|fenc|lifted|${callId.replace(/[.@]/g, '\\$&')}`,
  );
  return log.split('\n').filter((line) => mentions.test(line) && !line.includes('phone status'));
}

/**
 * When an accepted call is missing from a journal, or any call is in one twice, says where it went: each Action URL the
 * phone fired for it (status, time), the trace of the call in the cluster's streams (traceCall:
 * which node stored each input at which EVENTS sequence, the CHANGES records, JOURNAL, the
 * line's snapshot and the partition's checkpoint), and what each daemon logged about its
 * partition. Printed for a human; the checks fail on their own.
 */
export async function traceLostCalls(
  cluster: TestCluster,
  calls: readonly PlacedCall[],
  problems: readonly string[],
): Promise<string[]> {
  const lost = new Set<string>();
  for (const p of problems) {
    // Lost (0) or doubled (2+): both mean owners disagreed about the call's line.
    const m = /(\S+) (?:\(\S+\) )?journalled (\d+) times/.exec(p);
    if (m?.[1] !== undefined && m[2] !== '1') lost.add(m[1]);
  }
  const out: string[] = [];
  for (const callId of [...lost].slice(0, 3)) {
    const call = calls.find((c) => c.callId === callId);
    if (call === undefined) continue;
    out.push(
      `[lost or doubled call] ${callId} on ${call.phoneId}, started ${String(call.startedAt)}`,
    );
    for (const u of call.urls) {
      out.push(`  fired ${u.kind} → ${String(u.status)} ${u.error ?? ''}`);
    }
    out.push(
      ...(await traceCall({ servers: cluster.nats.servers, phoneId: call.phoneId, callId })),
    );
    const partition = partitionOf(call.phoneId);
    for (const d of cluster.daemons) {
      const log = await readFile(d.logFile, 'utf8').catch(() => '');
      const current = d.output();
      const lines = aboutPartition(`${log}\n${current}`, partition, callId);
      out.push(`  ${d.nodeId} log about partition ${String(partition)}:`);
      out.push(...lines.slice(-40).map((l) => `    ${l.slice(0, 300)}`));
    }
  }
  return out;
}
