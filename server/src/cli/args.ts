import * as os from 'node:os';
import { closest } from '../options/schema-index';

export const FORMATS = ['text', 'json', 'github', 'sarif'] as const;
export type Format = (typeof FORMATS)[number];

export const USAGE = `Usage: jetson-nix check [options] <files or directories…>

Checks Nix files as the Jetson Nix editor extension does, without evaluating anything: syntax,
undefined variables, duplicate attributes, jetpack-nixos options in NixOS modules, flake inputs
against flake.lock; lints (unused bindings, an unused \`with\`, deprecated syntax, …) as warnings
and hints.

Options:
  --format FORMAT     text    file:line:col: severity code: message (default)
                      json    an array of {file, range, severity, code, message}, 0-based positions
                      github  GitHub Actions workflow commands: annotations on the pull request
                      sarif   SARIF 2.1.0, for code scanning (github/codeql-action/upload-sarif)
  --jobs N            threads to use (default: one per CPU core)
  --bundled-schema    check options against the jetpack-nixos schema shipped with Jetson Nix, even
                      where a flake.lock pins a jetpack-nixos that is in the local Nix store
                      (by default that pinned revision is used; nothing is ever downloaded)
  --no-lints          report no lints: only what Nix or the module system would reject
  -h, --help          show this help
  --version           print the version

Suppress a finding with a comment on its line, or alone on the line before it:
  # jetson-nix: ignore[unused-binding, useless-parens]
Disable codes and exclude paths for a repository in .jetson-nix.json:
  { "disable": ["useless-parens"], "exclude": ["vendor/**"] }

Exit status: 0 no errors, 1 errors found, 2 bad usage, a path that does not exist or holds no
.nix file, or output that could not be written.

jetson-nix doctor [flake folder]: what this machine can build, and how to fix it (see its --help).`;

export interface Options {
  format: Format;
  jobs: number;
  bundledSchema: boolean;
  lints: boolean;
  paths: string[];
}

/** A mistake on the command line: said in one line, with a pointer to `--help`. */
export class UsageError extends Error {}

const COMMANDS = ['check', 'doctor', 'help'];
const FLAGS = ['--format', '--jobs', '--bundled-schema', '--no-lints', '--help', '--version'];

function didYouMean(word: string, candidates: readonly string[]): string {
  const near = closest(word, candidates, 1)[0];
  return near ? `; did you mean '${near}'?` : '';
}

/** Reads `jetson-nix …`'s arguments; throws a `UsageError` for anything it does not understand. */
export function parseArgs(argv: string[]): Options | 'help' | 'version' {
  const [command, ...rest] = argv;
  if (command === '-h' || command === '--help' || command === 'help') return 'help';
  if (command === '--version') return 'version';
  if (command === undefined) throw new UsageError('missing command: jetson-nix check <files or directories…>');
  if (command !== 'check') throw new UsageError(`unknown command '${command}'${didYouMean(command, command.startsWith('-') ? FLAGS : COMMANDS)}`);
  const options: Options = { format: 'text', jobs: os.availableParallelism(), bundledSchema: false, lints: true, paths: [] };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    const value = (flag: string) => {
      const eq = arg.indexOf('=');
      if (eq >= 0) return arg.slice(eq + 1);
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (arg === '-h' || arg === '--help') return 'help';
    if (arg === '--format' || arg.startsWith('--format=')) {
      const f = value('--format');
      if (!(FORMATS as readonly string[]).includes(f)) throw new UsageError(`--format must be ${FORMATS.join(', ')}, not '${f}'${didYouMean(f, FORMATS)}`);
      options.format = f as Format;
    } else if (arg === '--jobs' || arg.startsWith('--jobs=')) {
      const n = Number(value('--jobs'));
      if (!Number.isInteger(n) || n < 1 || n > 64) throw new UsageError('--jobs must be a whole number from 1 to 64');
      options.jobs = n;
    } else if (arg === '--bundled-schema') {
      options.bundledSchema = true;
    } else if (arg === '--no-lints') {
      options.lints = false;
    } else if (arg === '--') {
      options.paths.push(...rest.slice(i + 1));
      break;
    } else if (arg.startsWith('-') && arg !== '-') {
      const name = arg.split('=')[0]!;
      if (FLAGS.includes(name)) throw new UsageError(`${name} takes no value`);
      throw new UsageError(`unknown option '${name}'${didYouMean(name.startsWith('--') ? name : `-${name}`, FLAGS)}`);
    } else {
      options.paths.push(arg);
    }
  }
  if (options.paths.length === 0) throw new UsageError('no files or directories given (use . for the current folder)');
  return options;
}
