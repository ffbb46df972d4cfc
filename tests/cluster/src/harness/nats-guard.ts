import { hasNatsServer } from '@snomlink/cluster-nats/testing';

/**
 * Whether the cluster suites must skip: nats-server is missing and this is not CI. Under CI
 * (`CI` set) a missing binary throws, so the run fails loudly instead of passing with nothing
 * tested; by hand it prints a loud warning and the suites skip.
 */
export function skipWithoutNats(suite: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (hasNatsServer()) return false;
  if (env['CI'] !== undefined && env['CI'] !== '') {
    throw new Error(
      `${suite}: nats-server is missing under CI; scripts/ensure-nats.sh (run by scripts/ensure-tools.sh) should have installed it`,
    );
  }
  console.warn(
    `\n*** SKIPPING ${suite}: nats-server is not installed. Run \`bash scripts/ensure-nats.sh\` (apt-get install -y nats-server). ***\n`,
  );
  return true;
}
