/**
 * `imp-bridge … | head` closes the pipe before the output ends. Like other Unix tools, the CLI
 * then stops quietly: the reader has what it wanted, and an 'error' event with no listener would
 * print a stack trace instead.
 */
export function exitQuietlyOnClosedStdout(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    else throw err;
  });
}
