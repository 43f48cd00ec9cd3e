/**
 * Exit codes, as documented in the README: 0 ok, 1 a regression or SLO gate
 * failed, 2 usage or input error, 3 the run failed.
 */
export const ExitCode = {
  ok: 0,
  gateFailed: 1,
  usage: 2,
  runFailed: 3,
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * An error the user can fix: printed without a stack trace. The message says
 * what failed, where, and how to fix it.
 */
export class UserError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode = ExitCode.usage) {
    super(message);
    this.name = 'UserError';
    this.exitCode = exitCode;
  }
}

/** A required external program is missing or unusable. */
export class MissingToolError extends UserError {
  constructor(
    readonly tool: string,
    detail: string,
  ) {
    super(`${tool}: ${detail}. Install it with \`bash scripts/setup\` (or name a binary with the variable shown there).`);
    this.name = 'MissingToolError';
  }
}

/** Message of any thrown value, for logs and cell failure reasons. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
