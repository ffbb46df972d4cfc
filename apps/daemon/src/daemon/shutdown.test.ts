import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { shutDown } from './shutdown.js';

describe('shutDown', () => {
  it('runs the steps in the shutdown order, servers before producers, the journal last', async () => {
    const log: string[] = [];
    const step = (name: string) => (): Promise<void> => {
      log.push(name);
      return Promise.resolve();
    };
    await shutDown({
      logger: pino({ level: 'silent' }),
      stopChanges: step('changes'),
      onStop: step('extensions'),
      servers: [step('listener'), step('admin')],
      integrations: step('integrations'),
      producers: () => log.push('producers'),
      sources: [step('phones'), step('directory')],
      access: () => log.push('access'),
      journal: () => {
        log.push('journal');
        return 0;
      },
    });
    expect(log).toEqual([
      'extensions',
      'listener',
      'admin',
      'changes',
      'integrations',
      'producers',
      'phones',
      'directory',
      'access',
      'journal',
    ]);
  });

  it('goes on when the extensions or the change feed fail, and logs unjournalled calls at error', async () => {
    const lines: { level: number; msg: string }[] = [];
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => lines.push(JSON.parse(line) as { level: number; msg: string }) },
    );
    let journalClosed = false;
    await shutDown({
      logger,
      stopChanges: () => Promise.reject(new Error('leave failed')),
      onStop: () => Promise.reject(new Error('ws close failed')),
      servers: [],
      integrations: () => Promise.resolve(),
      producers: () => undefined,
      sources: [],
      access: () => undefined,
      journal: () => {
        journalClosed = true;
        return 3;
      },
    });
    expect(journalClosed).toBe(true);
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [40, 'stopping the TAPI bridge failed'],
      [40, 'stopping the change feed failed'],
      [50, 'JOURNAL WRITE FAILED at shutdown: 3 finished calls were not journalled'],
    ]);
  });
});
