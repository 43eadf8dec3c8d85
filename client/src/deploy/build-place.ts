/**
 * Where a deploy builds the robot's system. Jetsons are aarch64-linux; a laptop is usually
 * x86_64-linux. This machine builds when it can, itself or through the remote builders and
 * emulation (`extra-platforms`) its Nix is set up with; otherwise the robot builds its own
 * system (`nixos-rebuild --build-host` style: Nix evaluates here and builds in the robot's store,
 * and nothing needs copying afterwards).
 *
 * The build doctor (issue 15) answers "can this machine build for <system>?" in depth; until it is
 * merged, `nixConfigCapability` reads the same facts from `nix show-config --json`. The deploy
 * asks through the `BuildCapability` interface only, so the doctor plugs in there.
 * No `vscode` import.
 */
import { nixConfigEnv, run } from '../nix/exec';
import { readTextSync } from '../../../server/src/shared/safe-read';

export type BuildPlaceSetting = 'auto' | 'local' | 'robot';
export type BuildPlace = 'local' | 'robot';

export interface BuildVerdict {
  ok: boolean;
  /** How (`natively`, `through the remote builder …`, `with extra-platforms`) or why not. */
  how: string;
}

/** The question the deploy asks the build doctor. */
export interface BuildCapability {
  canBuild(system: string): Promise<BuildVerdict>;
}

export interface NixMachine {
  uri: string;
  systems: string[];
}

/** Machines of Nix's `builders` setting (`;`- or newline-separated; `@file` entries read from the file). */
export function parseBuilders(value: string, readFile: (file: string) => string | undefined = readMachinesFile, depth = 0): NixMachine[] {
  const machines: NixMachine[] = [];
  for (const entry of value.split(/[;\n]/)) {
    const line = entry.replace(/#.*$/, '').trim();
    if (line === '') continue;
    if (line.startsWith('@')) {
      const text = depth < 4 ? readFile(line.slice(1)) : undefined;
      if (text !== undefined) machines.push(...parseBuilders(text, readFile, depth + 1));
      continue;
    }
    const [uri, systems] = line.split(/\s+/);
    if (uri && uri !== '-') machines.push({ uri, systems: systems && systems !== '-' ? systems.split(',') : [] });
  }
  return machines;
}

function readMachinesFile(file: string): string | undefined {
  const read = readTextSync(file, { kind: 'tool' });
  return read.ok ? read.value : undefined;
}

/** What this machine's Nix can build, from `nix show-config --json`. */
export function nixConfigCapability(options: { nix: string; cwd: string; env?: Record<string, string | undefined> }): BuildCapability {
  let config: Promise<Record<string, { value?: unknown }> | undefined> | undefined;
  const load = () =>
    (config ??= run(options.nix, ['show-config', '--json'], { cwd: options.cwd, env: { ...options.env, ...nixConfigEnv(options.env?.NIX_CONFIG ?? process.env.NIX_CONFIG) } })
      .then((r) => (r.exitCode === 0 ? (JSON.parse(r.stdout) as Record<string, { value?: unknown }>) : undefined))
      .catch(() => undefined));
  return {
    async canBuild(system) {
      const c = await load();
      if (!c) return { ok: false, how: 'Nix did not report its settings' };
      const native = c.system?.value;
      const extra = Array.isArray(c['extra-platforms']?.value) ? (c['extra-platforms'].value as string[]) : [];
      if (native === system) return { ok: true, how: 'natively' };
      if (extra.includes(system)) return { ok: true, how: `through extra-platforms (emulation or a compatible CPU)` };
      const builder = parseBuilders(typeof c.builders?.value === 'string' ? c.builders.value : '').find((m) => m.systems.includes(system));
      if (builder) return { ok: true, how: `on the remote builder ${builder.uri}` };
      return { ok: false, how: `this machine is ${String(native)} and has no remote builder or emulation for ${system}` };
    },
  };
}

/** Where to build: the setting, or with `auto` here when this machine can build the system, else on the robot. */
export async function chooseBuildPlace(setting: BuildPlaceSetting, system: string | undefined, capability: BuildCapability): Promise<{ place: BuildPlace; why: string }> {
  if (setting === 'local') return { place: 'local', why: 'jetsonNix.deploy.buildOn is "local"' };
  if (setting === 'robot') return { place: 'robot', why: 'jetsonNix.deploy.buildOn is "robot"' };
  if (system === undefined) return { place: 'local', why: "the configuration's system is not known, so it is built here" };
  const verdict = await capability.canBuild(system);
  return verdict.ok ? { place: 'local', why: `this machine builds ${system} ${verdict.how}` } : { place: 'robot', why: `${verdict.how}, so the robot builds it` };
}
