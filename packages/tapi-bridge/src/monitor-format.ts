import type { LineCallInfo, LinePartyInfo } from './call-mapping.js';
import { LINEDEVSTATE, flagNames, hex32 } from './constants.js';
import type { LineCallInfoParams, LineCallStateParams, LineDevStateParams } from './protocol.js';

function partyText(p: LinePartyInfo): string {
  const number = p.number ?? (p.flags & 0x1 ? 'withheld' : '?');
  // Display names are hostile input: strip control characters before they reach a terminal.
  // eslint-disable-next-line no-control-regex
  const name = p.name === null ? '' : ` "${p.name.replace(/[\u0000-\u001f\u007f-\u009f]/g, '')}"`;
  return `${number}${name}`;
}

function time(at: number): string {
  return new Date(at).toISOString().slice(11, 23);
}

/** One monitor line for a LINE_CALLSTATE: time, line, call, state (hex), mode, parties. */
export function formatCallState(p: LineCallStateParams): string {
  const i = p.info;
  return `${time(p.at)} ${p.lineId} call=${p.callId} ${p.callStateName} state=${hex32(p.callState)} mode=${hex32(p.callStateMode)} from=${partyText(i.callerId)} to=${partyText(i.calledId)}${i.connectedId.number === null ? '' : ` connected=${partyText(i.connectedId)}`}`;
}

/** One monitor line for a LINE_CALLINFO. */
export function formatCallInfo(p: LineCallInfoParams): string {
  return `${time(p.at)} ${p.lineId} call=${p.callId} CALLINFO infoState=${hex32(p.infoState)} fields=${p.fields.join(',')} from=${partyText(p.info.callerId)} to=${partyText(p.info.calledId)}`;
}

/** One monitor line for a LINE_LINEDEVSTATE. */
export function formatDevState(p: LineDevStateParams): string {
  const names = flagNames(LINEDEVSTATE, p.devState).join('|');
  return `${time(p.at)} ${p.lineId} LINEDEVSTATE ${names} (${p.status})${p.detail === null ? '' : ` ${p.detail}`}`;
}

/** One monitor line for a call in a lineOpen snapshot. */
export function formatSnapshotCall(info: LineCallInfo, at: number): string {
  return `${time(at)} ${info.lineId} call=${info.callId} SNAPSHOT ${info.callStateName} state=${hex32(info.callState)} from=${partyText(info.callerId)} to=${partyText(info.calledId)}`;
}
