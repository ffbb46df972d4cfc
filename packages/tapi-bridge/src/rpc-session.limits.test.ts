import { createEventHub, DEFAULT_DIAL_RULES, type SnomlinkEvent } from '@snomlink/core';
import { describe, expect, it } from 'vitest';
import { createRpcSession, TAPI_MAX_BATCH, TAPI_MAX_MESSAGE_BYTES } from './rpc-session.js';
import { createTapiBridge } from './tapi-bridge.js';

function session(options: { maxBatch?: number; maxMessageLength?: number } = {}) {
  const bridge = createTapiBridge({
    lines: [{ id: 'p360', name: 'Reception', model: 'snom360' }],
    hub: createEventHub<SnomlinkEvent>(),
    clientFor: () => undefined,
    dialRules: DEFAULT_DIAL_RULES,
  });
  const sent: unknown[] = [];
  const rpc = createRpcSession({
    bridge,
    send: (text) => sent.push(JSON.parse(text)),
    ...options,
  });
  return { rpc, sent };
}

const ping = (id: number): object => ({
  jsonrpc: '2.0',
  id,
  method: 'lineGetDevCaps',
  params: { lineId: 'p360' },
});

describe('JSON-RPC limits', () => {
  it('answers a batch up to the cap and refuses a larger one whole', async () => {
    const { rpc, sent } = session();
    await rpc.handleMessage(
      JSON.stringify(Array.from({ length: TAPI_MAX_BATCH }, (_, i) => ping(i))),
    );
    expect(sent).toHaveLength(1);
    expect(sent[0]).toHaveLength(TAPI_MAX_BATCH);
    sent.length = 0;
    await rpc.handleMessage(
      JSON.stringify(Array.from({ length: TAPI_MAX_BATCH + 1 }, (_, i) => ping(i))),
    );
    const refused = sent as { id: null; error: { code: number; message: string } }[];
    expect(refused).toHaveLength(1);
    expect(refused[0]?.id).toBeNull();
    expect(refused[0]?.error.code).toBe(-32600);
    expect(refused[0]?.error.message).toMatch(/batch of 101 requests is over the limit of 100/);
    await rpc.close();
  });

  it('counts the message limit in UTF-8 bytes, as the WebSocket maxPayload does', async () => {
    expect(TAPI_MAX_MESSAGE_BYTES).toBe(65_536);
    const { rpc, sent } = session({ maxMessageLength: 100 });
    // 40 characters, 120 bytes: over a 100-byte limit although shorter in characters.
    const text = JSON.stringify({ jsonrpc: '2.0', id: 1, method: '€'.repeat(30) });
    expect(text.length).toBeLessThan(100);
    await rpc.handleMessage(text);
    const refused = sent as { error: { code: number; message: string } }[];
    expect(refused).toHaveLength(1);
    expect(refused[0]?.error.code).toBe(-32600);
    expect(refused[0]?.error.message).toMatch(/bytes is over the limit of 100/);
    await rpc.close();
  });
});
