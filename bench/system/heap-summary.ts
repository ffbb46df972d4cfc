// Compares two V8 heap snapshots (from `bench/system/run.ts --heap-snapshot <dir>`, or any
// `.heapsnapshot`): self size and count by object kind (constructor, closure, string, array …)
// in each, and the growth from the first to the second, largest first. With --retainers NAME,
// also who holds the objects of that kind in the second snapshot (retainer kind and edge name).
// Prints tables; the snapshots are the record.
//
// Run: npx tsx bench/system/heap-summary.ts <before.heapsnapshot> <after.heapsnapshot>
//        [--per N] (divide the growth by N, e.g. the phone count) [--top 40] [--retainers NAME]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Snapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

interface Kind {
  count: number;
  bytes: number;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    per: { type: 'string', default: '1' },
    top: { type: 'string', default: '40' },
    retainers: { type: 'string' },
  },
});
const [firstFile, secondFile] = positionals;
if (firstFile === undefined || secondFile === undefined) {
  console.error('usage: heap-summary.ts <before.heapsnapshot> <after.heapsnapshot> [--per N]');
  process.exit(2);
}

/** The kind an object is counted under: `type:name`, names of strings and numbers dropped. */
function kindOf(type: string, name: string): string {
  if (type === 'string' || type === 'concatenated string' || type === 'sliced string')
    return 'string';
  if (type === 'number' || type === 'hidden' || type === 'code') return type;
  if (type === 'closure') return `closure ${name || '(anonymous)'}`;
  if (type === 'array') return `array ${name}`;
  return name.length > 80 ? `${type} ${name.slice(0, 80)}…` : `${type} ${name}`;
}

function load(file: string): { snapshot: Snapshot; kinds: Map<string, Kind>; total: number } {
  const snapshot = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const kinds = new Map<string, Kind>();
  let total = 0;
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const kind = kindOf(
      types[snapshot.nodes[i + typeAt]!] ?? '?',
      snapshot.strings[snapshot.nodes[i + nameAt]!] ?? '',
    );
    const size = snapshot.nodes[i + sizeAt]!;
    total += size;
    const entry = kinds.get(kind);
    if (entry === undefined) kinds.set(kind, { count: 1, bytes: size });
    else {
      entry.count++;
      entry.bytes += size;
    }
  }
  return { snapshot, kinds, total };
}

const per = Number(values.per);
const top = Number(values.top);
const a = load(firstFile);
const b = load(secondFile);
const kb = (bytes: number): number => Math.round(bytes / 102.4) / 10;
console.log(
  `self size: ${String(kb(a.total))} KB → ${String(kb(b.total))} KB; growth ${String(kb(b.total - a.total))} KB${per === 1 ? '' : `, ${String(kb((b.total - a.total) / per))} KB per ${String(per)}th`}`,
);
const rows = [...b.kinds]
  .map(([kind, after]) => {
    const before = a.kinds.get(kind) ?? { count: 0, bytes: 0 };
    return { kind, count: after.count - before.count, bytes: after.bytes - before.bytes };
  })
  .sort((x, y) => y.bytes - x.bytes)
  .slice(0, top)
  .map((r) => ({
    kind: r.kind,
    'Δ count': r.count,
    'Δ KB': kb(r.bytes),
    ...(per === 1 ? {} : { 'count per': Math.round((r.count / per) * 10) / 10 }),
    ...(per === 1 ? {} : { 'bytes per': Math.round(r.bytes / per) }),
  }));
console.table(rows);

if (values.retainers !== undefined) {
  // Who holds objects of one kind in the second snapshot: (retainer kind, edge name) counts.
  const { snapshot } = b;
  const nf = snapshot.snapshot.meta.node_fields;
  const ef = snapshot.snapshot.meta.edge_fields;
  const nodeTypes = snapshot.snapshot.meta.node_types[0];
  const edgeTypes = snapshot.snapshot.meta.edge_types[0];
  const width = nf.length;
  const edgeWidth = ef.length;
  const edgeCountAt = nf.indexOf('edge_count');
  const nameOrIndexAt = ef.indexOf('name_or_index');
  const toAt = ef.indexOf('to_node');
  const edgeTypeAt = ef.indexOf('type');
  const kindAt = (node: number): string =>
    kindOf(
      nodeTypes[snapshot.nodes[node + nf.indexOf('type')]!] ?? '?',
      snapshot.strings[snapshot.nodes[node + nf.indexOf('name')]!] ?? '',
    );
  const held = new Map<string, number>();
  let edge = 0;
  for (let node = 0; node < snapshot.nodes.length; node += width) {
    const edges = snapshot.nodes[node + edgeCountAt]!;
    for (let k = 0; k < edges; k++, edge += edgeWidth) {
      const to = snapshot.edges[edge + toAt]!;
      if (kindAt(to) !== values.retainers) continue;
      const edgeType = edgeTypes[snapshot.edges[edge + edgeTypeAt]!] ?? '?';
      if (edgeType === 'weak') continue;
      const nameOrIndex = snapshot.edges[edge + nameOrIndexAt]!;
      const edgeName =
        edgeType === 'element' || edgeType === 'hidden'
          ? '[]'
          : (snapshot.strings[nameOrIndex] ?? String(nameOrIndex));
      const key = `${kindAt(node)} .${edgeName}`;
      held.set(key, (held.get(key) ?? 0) + 1);
    }
  }
  console.log(`retainers of ${values.retainers}:`);
  console.table(
    [...held]
      .sort((x, y) => y[1] - x[1])
      .slice(0, top)
      .map(([retainer, count]) => ({ retainer, count })),
  );
}
