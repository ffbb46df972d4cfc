#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { isLoopbackHost, splitActionUrl } from './action-url.js';
import { createPhoneFleet } from './phone-fleet.js';

const HELP = `snomlink-sim: run simulated snom phones that place random calls

Usage: snomlink-sim --count N --rate R --target http://127.0.0.1:8080 [options]

  --count N              phones (default 10), on 127.0.0.2 … (wrapping to 127.0.1.x)
  --rate R               new calls per second across the fleet (default 1; 0 = none)
  --target URL           listener base the Action URLs point at (required)
  --secret-prefix S      secret of phone n is S + n (default sim-secret-)
  --id-prefix S          id of phone n is S + n (default sim-)
  --models LIST          comma-separated models used in turn (default snom360,snom190)
  --host-base A.B.C.     first three octets (default 127.0.0.)
  --port P               port every phone listens on (default 0 = ephemeral)
  --auth none|basic|digest  web auth of every phone (default none); --username/--password
  --duration S           stop after S seconds (default: run until Ctrl-C)
  --stats-interval S     print stats every S seconds (default 5)
  --list                 print every phone as JSON lines (id, url, model, secret) at start
  --allow-remote-target  allow a target outside 127.0.0.0/8
  --help
`;

function fail(message: string): never {
  process.stderr.write(`snomlink-sim: ${message}\n`);
  process.exit(2);
}

function num(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) fail(`--${name} must be a number >= 0, got '${value}'`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string' },
      rate: { type: 'string' },
      target: { type: 'string' },
      'secret-prefix': { type: 'string' },
      'id-prefix': { type: 'string' },
      models: { type: 'string' },
      'host-base': { type: 'string' },
      port: { type: 'string' },
      auth: { type: 'string' },
      username: { type: 'string' },
      password: { type: 'string' },
      duration: { type: 'string' },
      'stats-interval': { type: 'string' },
      list: { type: 'boolean' },
      'allow-remote-target': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help === true) {
    process.stdout.write(HELP);
    return;
  }
  const target = values.target ?? fail('--target is required, e.g. --target http://127.0.0.1:8080');
  const parsed = splitActionUrl(target) ?? fail(`--target '${target}' is not an http(s) URL`);
  const allowRemote = values['allow-remote-target'] === true;
  if (!allowRemote && !isLoopbackHost(parsed.host)) {
    fail(
      `--target ${parsed.host} is outside 127.0.0.0/8; pass --allow-remote-target to send there`,
    );
  }
  const auth = values.auth ?? 'none';
  if (auth !== 'none' && auth !== 'basic' && auth !== 'digest')
    fail(`--auth must be none, basic or digest`);
  const count = num(values.count, 'count', 10);
  const fleet = createPhoneFleet({
    count,
    callRate: num(values.rate, 'rate', 1),
    listenerBase: target,
    models: (values.models ?? 'snom360,snom190')
      .split(',')
      .map((m) => m.trim())
      .filter(Boolean),
    hostBase: values['host-base'] ?? '127.0.0.',
    port: num(values.port, 'port', 0),
    ...(values['secret-prefix'] === undefined ? {} : { secretPrefix: values['secret-prefix'] }),
    ...(values['id-prefix'] === undefined ? {} : { idPrefix: values['id-prefix'] }),
    phoneOptions: {
      auth,
      allowNonLoopbackTargets: allowRemote,
      ...(values.username === undefined ? {} : { username: values.username }),
      ...(values.password === undefined ? {} : { password: values.password }),
    },
  });
  await fleet.start();
  process.stdout.write(`snomlink-sim: ${String(count)} phones up, Action URLs to ${target}\n`);
  if (values.list === true) {
    for (const { info } of fleet.phones) {
      process.stdout.write(
        `${JSON.stringify({ id: info.id, url: info.url, model: info.model, secret: info.secret, extension: info.extension })}\n`,
      );
    }
  }
  const printStats = (): void => {
    process.stdout.write(`${JSON.stringify(fleet.stats())}\n`);
  };
  const statsTimer = setInterval(
    printStats,
    num(values['stats-interval'], 'stats-interval', 5) * 1000,
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    clearInterval(statsTimer);
    printStats();
    void fleet.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (values.duration !== undefined) setTimeout(stop, num(values.duration, 'duration', 0) * 1000);
}

main().catch((err: unknown) => {
  fail(err instanceof Error ? err.message : String(err));
});
