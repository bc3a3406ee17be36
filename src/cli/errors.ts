/** An error whose message is all the user needs: printed without a stack, exit code 2. */
export class CliError extends Error {}
