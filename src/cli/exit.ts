// An error that ends the command with a given exit code: 1 (job failed, server error), 2 (usage or
// input), 130 (interrupted). Its message is all the user needs: printed without a stack.
export class ExitError extends Error {
  constructor(message: string, readonly exitCode: number) {
    super(message);
  }
}

export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;
