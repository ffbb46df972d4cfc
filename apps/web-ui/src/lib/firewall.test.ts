import { describe, expect, it } from 'vitest';
import { firewallCommands } from './firewall.js';

describe('firewallCommands', () => {
  it('names the port in the exact command of each system', () => {
    const commands = firewallCommands(8080).map((c) => c.command);
    expect(commands).toEqual([
      'netsh advfirewall firewall add rule name="snomlink Action URL listener 8080" dir=in action=allow protocol=TCP localport=8080',
      'sudo ufw allow 8080/tcp',
      'sudo firewall-cmd --permanent --add-port=8080/tcp && sudo firewall-cmd --reload',
    ]);
  });

  it('refuses a port that is not one', () => {
    expect(() => firewallCommands(0)).toThrow(RangeError);
    expect(() => firewallCommands(70000)).toThrow(RangeError);
    expect(() => firewallCommands(80.5)).toThrow(RangeError);
  });
});
