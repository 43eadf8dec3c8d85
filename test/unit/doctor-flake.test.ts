/**
 * What the build doctor reads statically from a flake, with the real parser: each configuration's
 * system (every way it is written, and jetpack-nixos's default), cross-compilation, the targets and
 * what they need, and the cache facts (nixConfig, nix-ros-overlay, CUDA).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readFlakeFolder } from '../../server/src/cli/flake-reader';
import { flakeTargets, targetOfInstallable } from '../../server/src/shared/doctor';
import type { FlakeOutputs } from '../../server/src/protocol';
import { sharedParser } from '../support/analysis';

const dirs: string[] = [];
after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

async function flake(files: Record<string, string>): Promise<FlakeOutputs> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jetson-nix-doctor-flake-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  const reading = readFlakeFolder(await sharedParser(), dir);
  assert.ok(reading.ok, reading.ok ? '' : reading.error);
  return reading.outputs;
}

const SYSTEMS = `{
  inputs.jetpack-nixos.url = "github:anduril/jetpack-nixos";
  outputs = { self, nixpkgs, jetpack-nixos }:
    let system = "aarch64-linux"; in {
    nixosConfigurations = {
      host-platform = nixpkgs.lib.nixosSystem { modules = [ { nixpkgs.hostPlatform = "aarch64-linux"; } ]; };
      host-platform-set = nixpkgs.lib.nixosSystem { modules = [ { nixpkgs.hostPlatform.system = "aarch64-linux"; } ]; };
      argument = nixpkgs.lib.nixosSystem { system = "aarch64-linux"; modules = [ ./robot.nix ]; };
      inherited = nixpkgs.lib.nixosSystem { inherit system; modules = [ ]; };
      jetpack-default = nixpkgs.lib.nixosSystem { modules = [ jetpack-nixos.nixosModules.default ./jetson.nix ]; };
      jetpack-disabled = nixpkgs.lib.nixosSystem { modules = [ jetpack-nixos.nixosModules.default ]; };
      cross = nixpkgs.lib.nixosSystem {
        modules = [ jetpack-nixos.nixosModules.default ./jetson.nix { nixpkgs.buildPlatform = "x86_64-linux"; } ];
      };
      laptop = nixpkgs.lib.nixosSystem { system = "x86_64-linux"; modules = [ { nixpkgs.hostPlatform = "x86_64-linux"; } ]; };
      computed = nixpkgs.lib.nixosSystem { modules = [ { nixpkgs.hostPlatform = nixpkgs.lib.systems.examples.aarch64-multiplatform; } ]; };
      overridden = nixpkgs.lib.nixosSystem { system = "aarch64-linux"; modules = [ { nixpkgs.system = someVariable; } ]; };
    };
    packages.aarch64-linux.camera-driver = self.x;
    packages.x86_64-linux.flash-tool = self.y;
  };
}
`;

test("a configuration's system, read every way it is written; nothing computed is guessed", async () => {
  const out = await flake({
    'flake.nix': SYSTEMS,
    'robot.nix': '{ ... }: { networking.hostName = "robot"; }\n',
    'jetson.nix': '{ ... }: { hardware.nvidia-jetpack = { enable = true; som = "orin-agx"; }; }\n',
  });
  const facts = Object.fromEntries(out.configurations.map((c) => [c.name, [c.system, c.systemSource, c.buildPlatform, c.jetpack]]));
  assert.deepEqual(facts, {
    'host-platform': ['aarch64-linux', 'nixpkgs.hostPlatform', undefined, undefined],
    'host-platform-set': ['aarch64-linux', 'nixpkgs.hostPlatform', undefined, undefined],
    argument: ['aarch64-linux', 'the system argument of nixosSystem', undefined, undefined],
    inherited: ['aarch64-linux', 'the system argument of nixosSystem', undefined, undefined],
    'jetpack-default': ['aarch64-linux', "jetpack-nixos's default for hardware.nvidia-jetpack.enable", undefined, true],
    'jetpack-disabled': [undefined, undefined, undefined, true],
    cross: ['aarch64-linux', "jetpack-nixos's default for hardware.nvidia-jetpack.enable", 'x86_64-linux', true],
    laptop: ['x86_64-linux', 'nixpkgs.hostPlatform', undefined, undefined],
    computed: [undefined, undefined, undefined, undefined],
    overridden: [undefined, undefined, undefined, undefined],
  });
});

test('targets: a configuration needs its system, a flash script x86_64-linux and the firmware\'s system', async () => {
  const out = await flake({ 'flake.nix': SYSTEMS, 'robot.nix': '{ }', 'jetson.nix': '{ ... }: { hardware.nvidia-jetpack = { enable = true; som = "orin-agx"; }; }\n' });
  const targets = Object.fromEntries(flakeTargets(out).map((t) => [t.label, t.needs?.map((n) => n.system)]));
  assert.deepEqual(targets['jetpack-default (toplevel)'], ['aarch64-linux']);
  assert.deepEqual(targets['jetpack-default (flash script)'], ['x86_64-linux', 'aarch64-linux']);
  assert.deepEqual(targets['cross (toplevel)'], ['x86_64-linux'], 'cross-compiled: built on x86_64');
  assert.deepEqual(targets['cross (flash script)'], ['x86_64-linux']);
  assert.equal(targets['computed (toplevel)'], undefined);
  assert.ok(!('laptop (flash script)' in targets), 'no jetpack-nixos, no flash script');
  assert.deepEqual(targets['camera-driver (aarch64-linux)'], ['aarch64-linux']);
  assert.deepEqual(targets['flash-tool (x86_64-linux)'], ['x86_64-linux']);

  const flash = targetOfInstallable('.#nixosConfigurations.jetpack-default.config.system.build.initrdFlashScript', out);
  assert.deepEqual([flash.kind, flash.needs?.map((n) => n.system)], ['flash-script', ['x86_64-linux', 'aarch64-linux']]);
  const sd = targetOfInstallable('.#nixosConfigurations."jetpack-default".config.system.build.sdImage', out);
  assert.deepEqual(sd.needs?.map((n) => n.system), ['aarch64-linux']);
  assert.deepEqual(targetOfInstallable('github:anduril/jetpack-nixos#packages.aarch64-linux.iso_minimal', out).needs, [{ system: 'aarch64-linux', features: [] }]);
  assert.equal(targetOfInstallable('.#default', out).needs, undefined);
});

test('cache facts: nixConfig substituters and keys, nix-ros-overlay following nixpkgs, CUDA in a module file', async () => {
  const out = await flake({
    'flake.nix': `{
  nixConfig = {
    extra-substituters = [ "https://ros.cachix.org" ];
    extra-trusted-public-keys = [ "ros.cachix.org-1:dSyZxI8geDCJrwgvCOHDoAfOm5sV1wCPjBkKL+38Rvo=" ];
  };
  nixConfig.substituters = "https://cache.nixos.org https://example.org/cache";
  inputs.nix-ros-overlay.url = "github:lopsided98/nix-ros-overlay/master";
  inputs.nix-ros-overlay.inputs.nixpkgs.follows = "nixpkgs";
  outputs = { self, nixpkgs, nix-ros-overlay }: {
    nixosConfigurations.robot = nixpkgs.lib.nixosSystem { modules = [ ./robot.nix ]; };
  };
}
`,
    'robot.nix': '{ ... }:\n{\n  nixpkgs.config.cudaSupport = true;\n  nixpkgs.config.cudaCapabilities = [ "8.7" ];\n}\n',
  });
  const caches = out.caches!;
  assert.deepEqual(caches.substituters, ['https://ros.cachix.org', 'https://cache.nixos.org', 'https://example.org/cache']);
  assert.deepEqual(caches.trustedPublicKeys, ['ros.cachix.org-1:dSyZxI8geDCJrwgvCOHDoAfOm5sV1wCPjBkKL+38Rvo=']);
  assert.equal(caches.nixConfig?.line, 2);
  assert.deepEqual(caches.rosOverlay, { input: 'nix-ros-overlay', followsNixpkgs: 'nixpkgs' });
  assert.equal(path.basename(caches.cuda!.file!), 'robot.nix');
  assert.deepEqual([caches.cuda!.line, caches.cuda!.text], [3, 'nixpkgs.config.cudaSupport = true;']);
  assert.deepEqual([caches.cudaCapabilities!.line, caches.cudaCapabilities!.values], [4, ['8.7']]);

  const plain = await flake({ 'flake.nix': '{ outputs = { self }: { }; }\n' });
  assert.deepEqual(plain.caches, { substituters: [], trustedPublicKeys: [] });
});
