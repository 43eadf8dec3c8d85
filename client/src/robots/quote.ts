/**
 * The one way text reaches a robot's shell. sshd always hands the command to the login shell
 * (`$SHELL -c "<command>"`), so a command sent over SSH is shell text, whatever argument array
 * the local side used. Every remote command is built here from an argument array: each argument
 * is quoted for a POSIX shell (sh, bash, dash, zsh), so a value can never become syntax.
 * No `vscode` import: tested with plain Node, real shells and a real sshd.
 */

/** A value that no shell quoting can carry (NUL ends a C string before the shell sees the rest). */
export class UnquotableError extends Error {
  constructor(what: string) {
    super(`${what} contains a NUL character, which cannot be passed to a command.`);
    this.name = 'UnquotableError';
  }
}

const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * One argument as POSIX shell text that the shell reads back as exactly that argument: bare when
 * it has only characters no shell treats specially, otherwise in single quotes, where nothing is
 * special except the quote itself (closed, escaped, reopened: `'it'\''s'`).
 */
export function shellQuote(arg: string): string {
  if (arg.includes('\0')) throw new UnquotableError(JSON.stringify(arg.slice(0, 40)));
  if (arg !== '' && SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** An argument array as one line of shell text for the remote side (`ssh host -- <line>`). */
export function remoteCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('A remote command needs at least the program.');
  return argv.map(shellQuote).join(' ');
}

/**
 * A fixed script run by `sh` with its values as positional parameters (`$1`, `$2`…): the script
 * text is ours, the values are only ever data. `$0` names the script in the robot's error messages.
 */
export function remoteScript(name: string, script: string, args: readonly string[] = []): string {
  return remoteCommand(['sh', '-c', script, name, ...args]);
}
