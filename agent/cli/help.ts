/** `--help` / `-h` among a command's arguments (before a `--` that ends the options): print usage, exit 0. */
export function helpRequested(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === '--') return false;
    if (a === '--help' || a === '-h') return true;
  }
  return false;
}

/** The command's usage on stdout; the exit status for an asked-for help. */
export function printHelp(text: string): number {
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  return 0;
}
