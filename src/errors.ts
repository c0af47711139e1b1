import { inspect } from 'node:util';

/**
 * An error meant for the person running cloudbench: its message says what is wrong and what to do.
 * The CLI prints it without a stack trace; anything else is a bug and is shown with more detail.
 */
export class UserError extends Error {
  override name = 'UserError';

  /**
   * How console.log/console.error and util.inspect show it: `Name: message`, one line, as the CLI
   * does. A tslab notebook cell reports a thrown error with console.error(err), so this is what the
   * cell shows instead of a source excerpt and a 15-line trace. `stack` itself is left intact.
   */
  [inspect.custom](): string {
    return `${this.name}: ${this.message}`;
  }
}

export function isUserFacing(err: unknown): boolean {
  if (err instanceof UserError) return true;
  const name = (err as Error)?.name ?? '';
  // Errors of our own modules that carry user-facing messages (DatasetError, ConfigError, …).
  return /^(Dataset|Config|Stats)[A-Za-z]*Error$/.test(name);
}
