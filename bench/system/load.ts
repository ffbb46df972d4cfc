// The system bench's load: 1,000 simulated phones (every fifth a snom190-class phone that sends
// no parameters), calls placed at a rate with realistic ring and talk times, and saturation
// (phones ringing and giving up as fast as answers come). Runs in the generator process.
import { createSimulatedPhone, fleetHost } from '../../packages/snom-simulator/src/index.js';
import type { FiredActionUrl, SimulatedPhone } from '../../packages/snom-simulator/src/index.js';
import { randomSecret } from '../../tests/system/src/harness/daemon-process.js';
import { clockMs } from './clock.js';
import type { PhoneEntry, PlacedCall } from './generator-protocol.js';

/** One simulated phone of the fleet. */
export interface BenchPhone {
  readonly entry: PhoneEntry;
  readonly phone: SimulatedPhone;
  busy: boolean;
}

const NAMES = ['Anna Müller', 'Jörg Schmidt & Co', 'Zoë O’Brien', 'Łukasz Nowak', 'Chloé Dubois'];

const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });
const between = (min: number, max: number): number => min + Math.random() * (max - min);

/** A random Berlin number: a new caller every call, as at a call centre. */
function externalNumber(): string {
  return `+4930${String(Math.floor(1e6 + Math.random() * 8.999e6))}`;
}

/**
 * Starts `count` phones, each on its own 127.0.x.y; `onFired` and `onRequest` see every Action
 * URL result and every request a phone answers. Action URLs are stamped with clockMs().
 */
export async function startPhones(
  count: number,
  onFired: (phone: PhoneEntry, fired: FiredActionUrl) => void,
  onRequest: (path: string, query: string) => void,
): Promise<BenchPhone[]> {
  const list: BenchPhone[] = [];
  for (let i = 0; i < count; i++) {
    const cls = i % 5 === 4 ? 'parameterless' : 'full';
    const id = `p${String(i + 1).padStart(4, '0')}`;
    const model = cls === 'full' ? 'snom360' : 'snom190';
    const phone = createSimulatedPhone({
      model,
      id,
      recordLimit: 20,
      actionUrlTimeoutMs: 10_000,
      identity: { user: String(2000 + i), host: 'pbx.example', displayName: `Phone ${id}` },
      now: clockMs,
    });
    const address = await phone.listen({ host: fleetHost('127.0.0.', 2, i) });
    const entry: PhoneEntry = {
      id,
      cls,
      model,
      host: `${address.host}:${String(address.port)}`,
      secret: randomSecret(),
    };
    phone.on('request', (request) => {
      onRequest(request.path, request.query);
    });
    phone.on('action-url', (fired) => {
      onFired(entry, fired);
    });
    list.push({ entry, phone, busy: false });
  }
  return list;
}

async function runCall(p: BenchPhone, call: PlacedCall): Promise<void> {
  const ring = between(300, 1500);
  const talk = between(500, 3000);
  try {
    if (call.kind === 'outgoing') {
      call.simCallId = await p.phone.dial(call.number, { autoAnswer: true, answerDelayMs: ring });
      await delay(ring + talk);
      await p.phone.hangUp(call.simCallId);
    } else {
      call.simCallId = await p.phone.ring(call.number, { display: call.display });
      await delay(ring);
      if (call.kind === 'missed') await p.phone.remoteHangUp(call.simCallId);
      else {
        await p.phone.answer(call.simCallId);
        await delay(talk);
        if (Math.random() < 0.5) await p.phone.hangUp(call.simCallId);
        else await p.phone.remoteHangUp(call.simCallId);
      }
    }
    await p.phone.idle();
  } finally {
    // A 190-class phone's log scanner gets a moment after the hang-up before the next call.
    await delay(p.entry.cls === 'parameterless' ? 1000 : 0);
    p.busy = false;
  }
}

/** Places calls at `rate` per second for `seconds` on idle phones, waits for every call to end. */
export async function placeCalls(
  phones: readonly BenchPhone[],
  rate: number,
  seconds: number,
  phase: string,
): Promise<{ calls: PlacedCall[]; skipped: number }> {
  const running: Promise<void>[] = [];
  const calls: PlacedCall[] = [];
  let skipped = 0;
  const t0 = performance.now();
  let due = 0;
  await new Promise<void>((resolve) => {
    const ticker = setInterval(
      () => {
        const elapsed = (performance.now() - t0) / 1000;
        const shouldHave = Math.floor(Math.min(elapsed, seconds) * rate);
        while (due < shouldHave) {
          due++;
          let chosen: BenchPhone | undefined;
          for (let attempt = 0; attempt < 20 && chosen === undefined; attempt++) {
            const candidate = phones[Math.floor(Math.random() * phones.length)];
            if (candidate !== undefined && !candidate.busy) chosen = candidate;
          }
          if (chosen === undefined) {
            skipped++;
            continue;
          }
          chosen.busy = true;
          const r = Math.random();
          const call: PlacedCall = {
            phoneId: chosen.entry.id,
            cls: chosen.entry.cls,
            kind: r < 0.5 ? 'incoming' : r < 0.7 ? 'missed' : 'outgoing',
            number: externalNumber(),
            display: NAMES[Math.floor(Math.random() * NAMES.length)] ?? 'Anna',
            simCallId: null,
            phase,
            startedAt: Date.now(),
          };
          calls.push(call);
          running.push(runCall(chosen, call));
        }
        if (elapsed >= seconds) {
          clearInterval(ticker);
          resolve();
        }
      },
      Math.max(5, Math.min(100, 1000 / rate)),
    );
  });
  await Promise.all(running);
  return { calls, skipped };
}

/** Saturation: `concurrency` full-class phones each ring + give up as fast as answers come. */
export async function saturate(
  phones: readonly BenchPhone[],
  seconds: number,
  concurrency: number,
): Promise<void> {
  const full = phones.filter((p) => p.entry.cls === 'full').slice(0, concurrency);
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    full.map(async (p) => {
      while (performance.now() < end) {
        const id = await p.phone.ring(externalNumber(), { display: 'Saturation' });
        await p.phone.remoteHangUp(id);
        await p.phone.idle();
      }
    }),
  );
}

/**
 * Empties the 190-class phones' logs before a target. The phones are shared by the targets of a
 * run: calls an earlier daemon left in a log (it did not get to clear it, e.g. under load) would
 * be read by the next daemon's scanner and counted as its duplicated rows.
 */
export async function clearPhoneLogs(list: readonly BenchPhone[]): Promise<void> {
  const logged = list.filter((p) => p.entry.cls === 'parameterless');
  for (let i = 0; i < logged.length; i += 50) {
    await Promise.all(
      logged.slice(i, i + 50).map(async (p) => {
        const answer = await fetch(`http://${p.entry.host}/log.htm?clear_log=1`);
        await answer.arrayBuffer();
      }),
    );
  }
}

/** Points every phone's Action URL settings at `base` (same paths and queries). */
export function retarget(list: readonly BenchPhone[], base: string): void {
  for (const p of list) {
    const settings: Record<string, string> = {};
    for (const [name, value] of p.phone.settings)
      if (name.startsWith('action_') && value !== '')
        settings[name] = value.replace(/^https?:\/\/[^/]+/, base);
    p.phone.setSettings(settings);
  }
}
