// Runs a bridge in its own process so a test can SIGKILL it and watch the last will.
import { createMqttBridge } from '../mqtt-bridge.js';

const [url, topicPrefix] = process.argv.slice(2);
createMqttBridge({
  url: url ?? '',
  topicPrefix: topicPrefix ?? 'snomlink',
  discoveryPrefix: false,
  lines: [{ id: 'desk-1' }],
});
process.stdout.write('started\n');
setInterval(() => {}, 60_000);
