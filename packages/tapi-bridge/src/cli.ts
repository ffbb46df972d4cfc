#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { createTapiClient } from './client/tapi-client.js';
import {
  formatCallInfo,
  formatCallState,
  formatDevState,
  formatSnapshotCall,
} from './monitor-format.js';

const USAGE = `snomlink-tapi-monitor: print every TAPI state change of snomlink lines, one per line

Usage: snomlink-tapi-monitor --url ws://127.0.0.1:8090/tapi --token TOKEN [--line ID]...

  --url     the daemon's TAPI WebSocket (default ws://127.0.0.1:8090/tapi)
  --token   the admin token or a user token (or env SNOMLINK_TOKEN)
  --line    a line (phone id) to open; repeat for several; default: every line
  --help    this text
`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: 'ws://127.0.0.1:8090/tapi' },
      token: { type: 'string' },
      line: { type: 'string', multiple: true },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const token = values.token ?? process.env.SNOMLINK_TOKEN;
  if (token === undefined || token === '') {
    process.stderr.write('error: --token (or SNOMLINK_TOKEN) is required\n\n' + USAGE);
    return 2;
  }
  const client = createTapiClient({ url: values.url, token });
  const out = (line: string): void => {
    process.stdout.write(`${line}\n`);
  };
  client.on('LINE_CALLSTATE', (p) => {
    out(formatCallState(p));
  });
  client.on('LINE_CALLINFO', (p) => {
    out(formatCallInfo(p));
  });
  client.on('LINE_LINEDEVSTATE', (p) => {
    out(formatDevState(p));
  });
  client.on('snapshot', (s) => {
    out(
      `${new Date().toISOString().slice(11, 23)} ${s.lineId} OPEN ${s.reconnect ? '(reconnected) ' : ''}${s.calls.length} live call(s)`,
    );
    for (const call of s.calls) out(formatSnapshotCall(call, Date.now()));
  });
  client.on('disconnect', ({ code, reason }) => {
    out(`-- disconnected (code ${code}${reason === '' ? '' : `: ${reason}`}); reconnecting`);
  });
  client.on('error', (e) => {
    process.stderr.write(`warning: ${e.message}\n`);
  });

  await client.connect();
  const { lines } = await client.lineInitialize();
  const wanted = values.line ?? lines.map((l) => l.lineId);
  for (const lineId of wanted) await client.lineOpen(lineId);

  // Runs until a signal, or until the client gives up (the token was refused on a reconnect:
  // retrying cannot fix that, so the monitor exits 1 instead of looping).
  const failure = await new Promise<Error | null>((resolve) => {
    process.once('SIGINT', () => {
      resolve(null);
    });
    process.once('SIGTERM', () => {
      resolve(null);
    });
    client.on('end', ({ error }) => {
      resolve(error);
    });
  });
  await client.close();
  if (failure !== null) throw failure;
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
