import { describe, expectTypeOf, it } from 'vitest';
import {
  backoffDelay,
  constantTimeEqual,
  createEventHub,
  createLineModel,
  createLineState,
  hasErrorName,
  normalizeNumber,
  partyFromAddress,
  reduceLine,
  safeParseActionEvent,
  type ActionEvent,
  type ActionEventKind,
  type ActionEventParams,
  type Call,
  type CallChange,
  type CallState,
  type EventHub,
  type FinishedCall,
  type LineInput,
  type LineModel,
  type LineState,
  type LineStep,
  type Logger,
  type NormalizedNumber,
  type NumberIssue,
  type PartyId,
  type SnomlinkEvent,
} from './index.js';

/**
 * `true` when a value of type T survives `JSON.parse(JSON.stringify(value))` unchanged: only
 * strings, finite-by-contract numbers, booleans, null, arrays and plain objects, and no optional
 * or `undefined` property (which JSON drops). `false` (or `boolean`) otherwise.
 */
type JsonSafe<T> = T extends string | number | boolean | null
  ? true
  : T extends
        | undefined
        | bigint
        | symbol
        | ((...args: never[]) => unknown)
        | ReadonlyMap<unknown, unknown>
        | ReadonlySet<unknown>
        | Date
    ? false
    : T extends readonly (infer U)[]
      ? JsonSafe<U>
      : T extends object
        ? {
            [K in keyof T]-?: undefined extends T[K] ? false : JsonSafe<T[K]>;
          }[keyof T] extends true
          ? true
          : false
        : false;

describe('the JSON-safety checker itself', () => {
  it('rejects what JSON loses', () => {
    expectTypeOf<JsonSafe<{ a: Set<string> }>>().toEqualTypeOf<false>();
    expectTypeOf<JsonSafe<{ a: ReadonlyMap<string, number> }>>().toEqualTypeOf<false>();
    expectTypeOf<JsonSafe<{ a?: string }>>().toEqualTypeOf<false>();
    expectTypeOf<JsonSafe<{ a: string | undefined }>>().toEqualTypeOf<false>();
    expectTypeOf<JsonSafe<{ a: { b: readonly Date[] } }>>().toEqualTypeOf<false>();
    expectTypeOf<JsonSafe<{ a: readonly { b: string | null }[] }>>().toEqualTypeOf<true>();
  });
});

describe('LineState', () => {
  it('is JSON-safe all the way down', () => {
    expectTypeOf<JsonSafe<LineState>>().toEqualTypeOf<true>();
    expectTypeOf<JsonSafe<Call>>().toEqualTypeOf<true>();
  });

  it('declares the fields the reducer keeps between events, all required', () => {
    expectTypeOf<keyof LineState>().toEqualTypeOf<
      | 'phoneId'
      | 'calls'
      | 'offhook'
      | 'nextSyntheticId'
      | 'endedCallIds'
      | 'unboundEnded'
      | 'unannounced'
      | 'hookDebtAt'
      | 'presence'
    >();
    expectTypeOf<LineState['calls']>().toEqualTypeOf<Readonly<Record<string, Call>>>();
    expectTypeOf<LineState['hookDebtAt']>().toEqualTypeOf<number | null>();
    expectTypeOf(createLineState).returns.toEqualTypeOf<LineState>();
  });
});

describe('reduceLine and the line model', () => {
  it('takes a state, an input and a time and returns a step', () => {
    expectTypeOf(reduceLine).parameter(0).toEqualTypeOf<LineState>();
    expectTypeOf(reduceLine).parameter(1).toEqualTypeOf<LineInput>();
    expectTypeOf(reduceLine).parameter(2).toEqualTypeOf<number>();
    expectTypeOf(reduceLine).returns.toEqualTypeOf<LineStep>();
    expectTypeOf<LineStep['changes']>().toEqualTypeOf<readonly CallChange[]>();
    expectTypeOf<{ kind: 'tick' }>().toExtend<LineInput>();
    expectTypeOf<{ kind: 'tock' }>().not.toExtend<LineInput>();
  });

  it('narrows a change by its type', () => {
    expectTypeOf<
      Extract<CallChange, { type: 'call-finished' }>['call']
    >().toEqualTypeOf<FinishedCall>();
    expectTypeOf<
      Extract<CallChange, { type: 'call-state' }>['previousState']
    >().toEqualTypeOf<CallState | null>();
    expectTypeOf<Extract<CallChange, { type: 'call-info' }>['fields']>().toEqualTypeOf<
      readonly (keyof Call)[]
    >();
    expectTypeOf<FinishedCall['state']>().toEqualTypeOf<'idle'>();
  });

  it('publishes changes as hub events', () => {
    expectTypeOf<CallChange>().toExtend<SnomlinkEvent>();
    expectTypeOf<SnomlinkEvent['type']>().toEqualTypeOf<
      | 'call-state'
      | 'call-info'
      | 'call-finished'
      | 'line-status'
      | 'line-presence'
      | 'action-event'
    >();
    expectTypeOf(createLineModel)
      .parameter(0)
      .exclude<undefined>()
      .toHaveProperty('hub')
      .toEqualTypeOf<EventHub<SnomlinkEvent> | undefined>();
    expectTypeOf<ReturnType<LineModel['apply']>>().toEqualTypeOf<readonly CallChange[]>();
  });
});

describe('events, parties and numbers', () => {
  it('types an Action URL event from its schema', () => {
    expectTypeOf<ActionEvent['kind']>().toEqualTypeOf<ActionEventKind>();
    expectTypeOf<'dnd-on'>().toExtend<ActionEventKind>();
    expectTypeOf<'ringing'>().not.toExtend<ActionEventKind>();
    expectTypeOf<ActionEvent['source']>().toEqualTypeOf<'action-url' | 'log-scan'>();
    expectTypeOf({ callId: 'a' } as const).toExtend<ActionEventParams>();
    // Every runtime variable is optional: which ones arrive depends on model and event.
    expectTypeOf<Partial<ActionEventParams>>().toEqualTypeOf<ActionEventParams>();
    expectTypeOf<ActionEventParams['callId']>().toEqualTypeOf<string | undefined>();
    const parsed = safeParseActionEvent({});
    if (parsed.success) expectTypeOf(parsed.output).toEqualTypeOf<ActionEvent>();
  });

  it('builds parties and normalises numbers without exceptions', () => {
    expectTypeOf(partyFromAddress).returns.toEqualTypeOf<PartyId>();
    const result = normalizeNumber('0301234567', {
      countryCode: '49',
      areaCode: '30',
      internationalPrefix: '00',
      nationalPrefix: '0',
      outsideLine: '',
      internalMaxLength: 4,
    });
    if (result.success) expectTypeOf(result.output).toEqualTypeOf<NormalizedNumber>();
    else expectTypeOf(result.issues).toEqualTypeOf<readonly NumberIssue[]>();
  });
});

describe('shared helpers', () => {
  it('keep small, exact signatures', () => {
    expectTypeOf(constantTimeEqual).toEqualTypeOf<(a: string, b: string) => boolean>();
    expectTypeOf(backoffDelay).returns.toEqualTypeOf<number>();
    expectTypeOf(backoffDelay)
      .parameter(1)
      .toHaveProperty('jitter')
      .toEqualTypeOf<'full' | 'equal' | 'none' | undefined>();
    const value: unknown = new Error('x');
    if (hasErrorName(value, ['SnomHttpError'])) expectTypeOf(value).toEqualTypeOf<Error>();
    // console (and pino's logger, same call shape) fit the logger option.
    expectTypeOf(console).toExtend<Logger>();
    expectTypeOf<{ error: () => void }>().not.toExtend<Logger>();
    expectTypeOf(createEventHub<number>).returns.toEqualTypeOf<EventHub<number>>();
    expectTypeOf<Parameters<EventHub<number>['publish']>>().toEqualTypeOf<[value: number]>();
  });
});
