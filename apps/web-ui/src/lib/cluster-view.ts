/** Partitions as compact ranges: [0,1,2,5,7,8] → "0–2, 5, 7–8". */
export function partitionRanges(partitions: readonly number[]): string {
  const sorted = [...new Set(partitions)].sort((a, b) => a - b);
  const parts: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    const start = sorted[i] ?? 0;
    let end = start;
    while (sorted[i + 1] === end + 1) {
      end += 1;
      i += 1;
    }
    parts.push(start === end ? String(start) : `${String(start)}–${String(end)}`);
    i += 1;
  }
  return parts.join(', ');
}

/** How many partitions each node owns, by node id (unowned under `null`), largest first. */
export function ownerCounts(
  owners: readonly (string | null)[],
): readonly { readonly nodeId: string | null; readonly count: number }[] {
  const counts = new Map<string | null, number>();
  for (const owner of owners) counts.set(owner, (counts.get(owner) ?? 0) + 1);
  return [...counts]
    .map(([nodeId, count]) => ({ nodeId, count }))
    .sort((a, b) => b.count - a.count || String(a.nodeId).localeCompare(String(b.nodeId)));
}

/** Seconds since a heartbeat, for "seen 2 s ago". */
export function secondsAgo(at: number, now: number): number {
  return Math.max(0, Math.round((now - at) / 1000));
}
