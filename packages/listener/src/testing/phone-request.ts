/** Values a phone puts into its Action URL variables. */
export interface PhoneVariables {
  callId?: string;
  nrOngoingCalls?: string;
  activeUser?: string;
  local?: string;
  remote?: string;
  displayRemote?: string;
}

const TOKENS: Record<string, keyof PhoneVariables> = {
  'call-id': 'callId',
  nr_ongoing_calls: 'nrOngoingCalls',
  active_user: 'activeUser',
  local: 'local',
  remote: 'remote',
  display_remote: 'displayRemote',
};

/**
 * Expands an Action URL template the way a full-parameter snom phone does: each `$variable`
 * replaced by its value NOT percent-encoded (unknown or unset variables stay literal). Returns
 * the request target (path + query) of the URL.
 */
export function expandActionUrl(template: string, variables: PhoneVariables): string {
  const expanded = template.replace(
    /\$(call-id|nr_ongoing_calls|active_user|display_remote|local|remote)/g,
    (whole, name: string) => {
      const key = TOKENS[name];
      const value = key === undefined ? undefined : variables[key];
      return value ?? whole;
    },
  );
  const scheme = expanded.indexOf('://');
  const path = scheme < 0 ? 0 : expanded.indexOf('/', scheme + 3);
  return path < 0 ? '/' : expanded.slice(path);
}

/**
 * The raw bytes of the GET request a phone sends for a request target: the target's characters
 * as UTF-8 (or Latin-1 when `latin1` is set), unencoded, with raw spaces.
 */
export function rawPhoneRequest(
  target: string,
  options: { latin1?: boolean; host?: string } = {},
): Buffer {
  return Buffer.concat([
    Buffer.from('GET ', 'latin1'),
    Buffer.from(target, options.latin1 === true ? 'latin1' : 'utf8'),
    Buffer.from(
      ` HTTP/1.1\r\nHost: ${options.host ?? '127.0.0.1'}\r\nUser-Agent: snom360-SIP 8.7.3.25\r\nConnection: close\r\n\r\n`,
      'latin1',
    ),
  ]);
}
