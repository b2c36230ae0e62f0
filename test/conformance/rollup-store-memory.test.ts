// The RollupStore contract against the in-memory store used by the rollups' unit tests.
import { MemoryRollupStore } from '../../src/rollups/memory-store.js';
import { runRollupStoreContract } from './rollup-store.contract.js';

runRollupStoreContract('MemoryRollupStore', {
  notDurable: 'the memory store keeps nothing across a restart: it is not durable',
  async open() {
    return {
      store: new MemoryRollupStore(),
      reopen: () => Promise.reject(new Error('the memory store cannot be reopened')),
      dispose: async () => {},
    };
  },
});
