import { describe, expect, it } from 'vitest';
import { leaseTarget, planLeases, preferredOrder, type LeasePlanInput } from './lease-plan.js';

const P = 64;

function input(over: Partial<LeasePlanInput>): LeasePlanInput {
  return {
    nodeId: 'a',
    partitions: P,
    live: ['a'],
    owned: new Set(),
    owners: Array.from({ length: P }, () => null),
    orphaned: new Set(),
    ...over,
  };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

describe('leaseTarget', () => {
  it('is ceil(partitions / live members), at least one member', () => {
    expect(leaseTarget(64, 1)).toBe(64);
    expect(leaseTarget(64, 3)).toBe(22);
    expect(leaseTarget(64, 0)).toBe(64);
  });
});

describe('preferredOrder', () => {
  it('is a rotation of every partition, different per node', () => {
    const a = preferredOrder('node-a', P);
    expect([...a].sort((x, y) => x - y)).toEqual(range(0, P));
    expect(preferredOrder('node-b', P)[0]).not.toBe(a[0]);
  });
});

describe('planLeases', () => {
  it('claims every free partition when alone', () => {
    const plan = planLeases(input({}));
    expect(plan.claim).toHaveLength(64);
    expect(plan.release).toEqual([]);
  });

  it('claims only up to its share beside a live member, except orphans', () => {
    const owners = range(0, P).map((p) => (p < 20 ? 'b' : null));
    const plan = planLeases(input({ live: ['a', 'b'], owners }));
    expect(plan.claim.length).toBe(32);
    expect(plan.claim.every((p) => p >= 20)).toBe(true);
    // Free partitions left unclaimed past the grace are taken whatever the share.
    const orphaned = new Set(range(20, P));
    expect(planLeases(input({ live: ['a', 'b'], owners, orphaned })).claim).toHaveLength(44);
  });

  it('releases down to its share only as far as a live member lacks partitions', () => {
    const owned = new Set(range(0, P));
    const owners = range(0, P).map(() => 'a');
    const plan = planLeases(input({ live: ['a', 'b'], owned, owners }));
    expect(plan.release).toHaveLength(32);
    expect(plan.claim).toEqual([]);
    // Partitions already free count against the deficit: nothing more to release.
    const half = range(0, P).map((p) => (p < 32 ? 'a' : null));
    const again = planLeases(
      input({ live: ['a', 'b'], owned: new Set(range(0, 32)), owners: half }),
    );
    expect(again.release).toEqual([]);
  });

  it('keeps its partitions when no live member is below its share', () => {
    const owners = range(0, P).map((p) => (p < 40 ? 'a' : 'b'));
    const plan = planLeases(input({ live: ['a'], owned: new Set(range(0, 40)), owners }));
    expect(plan.release).toEqual([]);
  });
});
