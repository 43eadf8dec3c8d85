import * as os from 'node:os';

export const USAGE = `Usage: npm run field -- [options] <folder>…
       npm run field -- --from <report.json> [--baseline <old.json>] [--sample N] [--show CODE]

Runs Jetson Nix over trees of code nobody here wrote, the way a user gets it: the built language
server (dist/server/server.js --stdio) with each folder as its workspace, every .nix file opened,
every quick fix it offers applied through LSP to a copy beside the original. Then judges with Nix:
  - every file's parse-level error verdict (syntax-error, undefined-variable, duplicate-attribute)
    against nix-instantiate --parse;
  - every fixed copy must still parse; a fix that only removes parentheses, or only renames, must
    leave nix-instantiate --parse output unchanged (up to the renamed name).
and compares the editor's findings with \`jetson-nix check --format json\` on the same folder.

Options:
  --out FILE         write the whole report as JSON (for --baseline and --from later)
  --baseline FILE    print what changed since that report: per code, then finding by finding
  --from FILE        print a report written by --out instead of running
  --jobs N           language servers and Nix processes at once (default: ${defaultJobs()})
  --timeout SECONDS  longest wait for one file's diagnostics (default: 60)
  --server FILE      the server to start with --stdio (default: dist/server/server.js; a .ts file
                     runs with tsx)
  --no-cli           skip the comparison with jetson-nix check
  --sample N         print about N warnings, hints and notes drawn at random, stratified by code,
                     with their source lines, for judging by hand
  --seed N           seed of --sample (default: 1)
  --show CODE        print every finding of CODE with its source lines (repeatable)
  --quiet            no progress on stderr
  -h, --help         show this help

Exit status: 0 when Nix agrees on every file, no fix is bad and the server failed on no file;
1 otherwise; 2 for bad usage.`;

export interface FieldArgs {
  folders: string[];
  out?: string;
  baseline?: string;
  from?: string;
  jobs: number;
  timeoutMs: number;
  server?: string;
  cli: boolean;
  sample?: number;
  seed: number;
  show: string[];
  quiet: boolean;
}

export class UsageError extends Error {}

function defaultJobs(): number {
  return Math.max(1, Math.min(4, os.availableParallelism()));
}

function count(flag: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be a whole number from ${min} to ${max}`);
  return n;
}

/** Parses the command line; 'help' for -h. */
export function parseFieldArgs(argv: string[]): FieldArgs | 'help' {
  const args: FieldArgs = { folders: [], jobs: defaultJobs(), timeoutMs: 60_000, cli: true, seed: 1, show: [], quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq >= 0 ? arg.slice(0, eq) : arg;
    const value = () => {
      if (eq >= 0) return arg.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${name} needs a value`);
      return v;
    };
    switch (name) {
      case '-h':
      case '--help':
        return 'help';
      case '--out':
        args.out = value();
        break;
      case '--baseline':
        args.baseline = value();
        break;
      case '--from':
        args.from = value();
        break;
      case '--jobs':
        args.jobs = count(name, value(), 1, 64);
        break;
      case '--timeout':
        args.timeoutMs = count(name, value(), 1, 3600) * 1000;
        break;
      case '--server':
        args.server = value();
        break;
      case '--no-cli':
        args.cli = false;
        break;
      case '--sample':
        args.sample = count(name, value(), 1, 100_000);
        break;
      case '--seed':
        args.seed = count(name, value(), 0, 2 ** 31);
        break;
      case '--show':
        args.show.push(value());
        break;
      case '--quiet':
        args.quiet = true;
        break;
      default:
        if (arg.startsWith('-')) throw new UsageError(`unknown option '${arg}' (see --help)`);
        args.folders.push(arg);
    }
  }
  if (args.from && args.folders.length) throw new UsageError('give either folders to check or --from, not both');
  if (!args.from && args.folders.length === 0) throw new UsageError('no folders given (see --help)');
  return args;
}
