// The Log contract against the in-memory log used by consumers' unit tests.
import { MemoryLog } from '../../src/log/memory-log.js';
import { runLogContract } from './log.contract.js';

runLogContract('MemoryLog', {
  notDurable: 'the memory log keeps nothing across close(): it is not durable',
  async open(settings) {
    const log = new MemoryLog(settings);
    return {
      log,
      reopen: () => Promise.reject(new Error('the memory log cannot be reopened')),
      dispose: () => log.close(),
    };
  },
});
