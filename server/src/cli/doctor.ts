/**
 * `jetson-nix doctor [flake folder] [--format text|json]`: what this machine's Nix can build, for
 * headless machines and CI, from the same core as the extension's "Check Build Setup"
 * (server/src/shared/doctor). Reads only; never needs root; exits 1 when an output of the flake
 * cannot be built here.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { createNixParser } from '../parse/parser';
import { buildReport, collectHostFacts, nodeRunner, renderText, type ReportInput, type Runner } from '../shared/doctor';
import { readFlakeFolder } from './flake-reader';
import { escapeControls } from './formats';

export const DOCTOR_USAGE = `Usage: jetson-nix doctor [--format text|json] [--nix PATH] [--timeout SECONDS] [--no-ping] [flake folder]

Checks what this machine's Nix can build and how: its system and extra-platforms, emulation
(binfmt_misc), remote builders (each contacted with \`nix store ping\`), binary caches, and, for
each NixOS configuration and package the flake declares, whether it can be built here. Every
problem comes with its fixes for this kind of machine. Nothing is changed and nothing needs root.

Without a folder, the current folder is checked when it holds a flake.nix.

Options:
  --format text|json  text for people (default); json: the whole report as one object
  --nix PATH          the nix executable (default: nix on PATH)
  --timeout SECONDS   how long each builder may take to answer (default 10)
  --no-ping           list the builders without contacting them
  -h, --help          show this help

Exit status: 0 everything the flake declares can be built here (or no flake), 1 an output cannot
be built here, 2 bad usage or an unreadable flake.`;

interface DoctorOptions {
  format: 'text' | 'json';
  nix: string;
  timeoutSeconds: number;
  ping: boolean;
  folder?: string;
}

class UsageError extends Error {}

/** Node's own argument parser (node:util): the flags are few and plain. */
function parseDoctorArgs(argv: readonly string[]): DoctorOptions | 'help' {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof FLAGS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: FLAGS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message.replace(/\. To specify a positional argument.*$/s, '') : String(err));
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format must be text or json, not '${format}'`);
  const timeout = Number(values.timeout ?? 10);
  if (!Number.isFinite(timeout) || timeout <= 0 || timeout > 600) throw new UsageError('--timeout must be a number of seconds from 1 to 600');
  if (positionals.length > 1) throw new UsageError('give one flake folder');
  return { format, nix: values.nix ?? 'nix', timeoutSeconds: timeout, ping: !values['no-ping'], ...(positionals[0] !== undefined ? { folder: positionals[0] } : {}) };
}

const FLAGS = {
  format: { type: 'string' },
  nix: { type: 'string' },
  timeout: { type: 'string' },
  'no-ping': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The flake folder to check: the one given, else the current folder when it is a flake. */
function flakeFolder(options: DoctorOptions, cwd: string): string | undefined {
  if (options.folder !== undefined) return path.resolve(cwd, options.folder);
  return fs.existsSync(path.join(cwd, 'flake.nix')) ? cwd : undefined;
}

export interface DoctorIo {
  out(text: string): Promise<void>;
  err(text: string): void;
  cwd: string;
  /** Tests replace the runner; the CLI runs programs with plain Node. */
  runner?: Runner;
}

/** Runs the subcommand; resolves the exit status. */
export async function runDoctor(argv: readonly string[], io: DoctorIo): Promise<number> {
  let options: DoctorOptions | 'help';
  try {
    options = parseDoctorArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.err(`jetson-nix doctor: ${err.message}\n\n${DOCTOR_USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    await io.out(DOCTOR_USAGE + '\n');
    return 0;
  }
  const folder = flakeFolder(options, io.cwd);
  const input: Partial<ReportInput> = {};
  if (folder !== undefined) {
    const reading = readFlakeFolder(await createNixParser(), folder);
    if (!reading.ok) {
      io.err(`jetson-nix doctor: ${reading.error}\n`);
      return 2;
    }
    input.flake = { dir: folder, targets: reading.outputs, ...(reading.outputs.caches ? { caches: reading.outputs.caches } : {}) };
  }
  const facts = await collectHostFacts({ nix: options.nix, runner: io.runner ?? nodeRunner, ping: options.ping, pingTimeoutMs: options.timeoutSeconds * 1000 });
  const report = buildReport({ ...input, facts });
  // Text goes to a terminal: names and messages from flake.nix or Nix must not carry escape sequences into it.
  await io.out(options.format === 'json' ? JSON.stringify(report, null, 2) + '\n' : escapeControls(renderText(report), '\n'));
  return report.buildable ? 0 : 1;
}
