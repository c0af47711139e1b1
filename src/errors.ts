/**
 * An error meant for the person running cloudbench: its message says what is wrong and what to do.
 * The CLI prints it without a stack trace; anything else is a bug and is shown with more detail.
 */
export class UserError extends Error {
  override name = 'UserError';
}

export function isUserFacing(err: unknown): boolean {
  if (err instanceof UserError) return true;
  const name = (err as Error)?.name ?? '';
  // Errors of our own modules that carry user-facing messages (DatasetError, ConfigError, …).
  return /^(Dataset|Config|Stats)[A-Za-z]*Error$/.test(name);
}
