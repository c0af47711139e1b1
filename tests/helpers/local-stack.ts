import { startLocalStack, type LocalStack } from '../../src/local/stack';

/** One local stack per test file: started in `before`, stopped in `after`. */
export function useLocalStack(opts: Parameters<typeof startLocalStack>[0] = {}): { get(): LocalStack; start(): Promise<void>; stop(): Promise<void> } {
  let stack: LocalStack | undefined;
  return {
    get() {
      if (!stack) throw new Error('local stack not started');
      return stack;
    },
    async start() {
      stack = await startLocalStack(opts);
    },
    async stop() {
      await stack?.stop();
    },
  };
}
