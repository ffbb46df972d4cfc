/** The key names a model uses for the actions the client performs with `command.htm?key=`. */
export interface KeyNames {
  answer: string;
  hangUp: string;
  hold: string;
  unhold: string;
  transfer: string;
  enter: string;
}

const OLD_190_CLASS = /^snom ?(1\d\d|2\d\d)$/i;

/**
 * Key names for a model (snom-protocol.md §3.2, Inferred recipes): answer = ENTER, hang up =
 * CANCEL, transfer = TRANSFER; hold = RECALL on snom 1xx/2xx (190/200/220), F_HOLD otherwise.
 * Firmware before 8 used F_R for hold: pass `keys: { hold: 'F_R', unhold: 'F_R' }` for those.
 */
export function keyNamesForModel(model: string | undefined): KeyNames {
  const hold = model !== undefined && OLD_190_CLASS.test(model.trim()) ? 'RECALL' : 'F_HOLD';
  return {
    answer: 'ENTER',
    hangUp: 'CANCEL',
    hold,
    unhold: hold,
    transfer: 'TRANSFER',
    enter: 'ENTER',
  };
}

/** True for models whose firmware predates `key=A;B` sequences (snom 1xx/2xx): one key a request. */
export function sendsOneKeyPerRequest(model: string | undefined): boolean {
  return model !== undefined && OLD_190_CLASS.test(model.trim());
}
