export { createFakeSnomClient } from './fake-snom-client.js';
export type {
  FakeSnomClient,
  FakeSnomClientCall,
  FakeSnomClientOptions,
} from './fake-snom-client.js';
