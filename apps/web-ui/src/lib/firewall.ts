/** One firewall recipe: which system, and the exact command to open the listener's TCP port. */
export interface FirewallCommand {
  readonly system: string;
  readonly command: string;
}

/**
 * The exact commands that let phones reach the Action URL listener on `port` (TCP, inbound):
 * Windows (`netsh advfirewall`), ufw (Debian/Ubuntu) and firewalld (Fedora/RHEL).
 */
export function firewallCommands(port: number): readonly FirewallCommand[] {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`port must be an integer 1-65535, got ${String(port)}`);
  }
  return [
    {
      system: 'Windows (administrator command prompt)',
      command: `netsh advfirewall firewall add rule name="snomlink Action URL listener ${port}" dir=in action=allow protocol=TCP localport=${port}`,
    },
    { system: 'ufw (Debian, Ubuntu)', command: `sudo ufw allow ${port}/tcp` },
    {
      system: 'firewalld (Fedora, RHEL)',
      command: `sudo firewall-cmd --permanent --add-port=${port}/tcp && sudo firewall-cmd --reload`,
    },
  ];
}
