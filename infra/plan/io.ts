/**
 * Exits once stdout has taken everything written so far. `process.exit` alone
 * drops what a pipe has not read yet, which cuts a large JSON plan short.
 */
export function exitAfterFlush(code: number): void {
  process.exitCode = code;
  process.stdout.write("", () => process.exit(code));
}
