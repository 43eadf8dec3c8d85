/**
 * Commands shown to the user, or typed into a terminal for them to run: argument arrays turned
 * into one line a POSIX shell reads back as the same arguments.
 */

/** Quotes one argument for a POSIX shell, for showing (and sending to a terminal) a command safely. */
export function shellQuote(argument: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(argument) ? argument : `'${argument.replace(/'/g, `'\\''`)}'`;
}

/** A command as one line a user can read and paste. */
export function commandLine(argv: readonly string[]): string {
  return argv.map(shellQuote).join(' ');
}

/** Lines appended to a root-owned file: `printf '%s\n' 'a' 'b' | sudo tee -a FILE >/dev/null`. */
export function appendLinesCommand(file: string, lines: readonly string[]): string {
  return `${commandLine(['printf', '%s\\n', ...lines])} | ${commandLine(['sudo', 'tee', '-a', file])} >/dev/null`;
}
