import { describe, expect, it } from 'vitest';
import { createOwnershipGate } from './ownership-gate.js';

describe('createOwnershipGate', () => {
  it('lets a partition gained in the first balance write before the lease manager exists', () => {
    const gate = createOwnershipGate();
    expect(gate.canWrite(24)).toBe(false);
    gate.gained([23, 24]);
    expect(gate.canWrite(24)).toBe(true);
    gate.lost([24]);
    expect(gate.canWrite(24)).toBe(false);
    expect(gate.canWrite(23)).toBe(true);
  });

  it('asks the lease manager once attached, and runs the releases asked for before', () => {
    const gate = createOwnershipGate();
    gate.gained([5]);
    gate.release(7);
    const released: number[] = [];
    gate.attach({
      owns: (p) => p === 9,
      release: (p) => {
        released.push(p);
        return Promise.resolve();
      },
    });
    expect(released).toEqual([7]);
    expect(gate.canWrite(5)).toBe(false);
    expect(gate.canWrite(9)).toBe(true);
    gate.release(9);
    expect(released).toEqual([7, 9]);
  });
});
