import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Tree } from 'web-tree-sitter';
import { readFlakeOutputs } from '../../server/src/flake/outputs';
import type { ModuleFiles } from '../../server/src/flake/configuration';
import { bundledIndex } from '../../server/src/schema/bundled';
import type { FlakeOutputs } from '../../server/src/protocol';
import { sharedParser } from '../support/analysis';

/** Static reading of flake.nix: names of outputs, inputs, and each configuration's Jetson facts. */

const trees: Tree[] = [];
after(() => trees.forEach((t) => t.delete()));

/** Module files read from a temporary folder with the real parser. */
async function diskFiles(): Promise<ModuleFiles> {
  const parser = await sharedParser();
  return {
    parse(file) {
      const target = fs.existsSync(file) && fs.statSync(file).isDirectory() ? path.join(file, 'default.nix') : file;
      if (!fs.existsSync(target)) return undefined;
      const tree = parser.parse(fs.readFileSync(target, 'utf8'))!;
      trees.push(tree);
      return tree.rootNode;
    },
  };
}

async function read(text: string, file?: string): Promise<FlakeOutputs | null> {
  const tree = (await sharedParser()).parse(text)!;
  trees.push(tree);
  return readFlakeOutputs(tree.rootNode, text, { file, files: await diskFiles(), index: bundledIndex() });
}

/** Outputs as `system/name` (or `*\/name` without a fixed system), for compact assertions. */
const names = (list: { name: string; system?: string }[]) => list.map((o) => `${o.system ?? '*'}/${o.name}`);

test('literal packages, dev shells and configurations in every common shape', async () => {
  const out = (await read(`{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";
  inputs.jetpack-nixos = {
    url = "github:anduril/jetpack-nixos";
    inputs.nixpkgs.follows = "nixpkgs";
  };
  inputs = { nix-ros-overlay.url = "github:lopsided98/nix-ros-overlay/master"; };
  outputs = { self, nixpkgs, jetpack-nixos, ... }:
    let system = "x86_64-linux"; in
    {
      packages.x86_64-linux.flash-robot = self.nixosConfigurations.robot.config.system.build.flashScript;
      packages.\${system} = { iso = 1; inherit (nixpkgs) hello; };
      packages.aarch64-linux = rec { sd-image = 2; };
      devShells = { x86_64-linux.default = 3; x86_64-linux."ros2-jazzy" = 4; };
      nixosConfigurations = { robot = nixpkgs.lib.nixosSystem { modules = [ ]; }; };
      nixosConfigurations.arm = nixpkgs.lib.nixosSystem { modules = [ ]; };
      overlays.default = final: prev: { };
    } // {
      nixosConfigurations.extra = nixpkgs.lib.nixosSystem { modules = [ ]; };
    };
}
`))!;
  assert.deepEqual(names(out.packages), ['x86_64-linux/flash-robot', 'x86_64-linux/iso', 'x86_64-linux/hello', 'aarch64-linux/sd-image']);
  assert.deepEqual(names(out.devShells), ['x86_64-linux/default', 'x86_64-linux/ros2-jazzy']);
  assert.deepEqual(out.configurations.map((c) => c.name), ['robot', 'arm', 'extra']);
  assert.deepEqual(out.inputs.map((i) => [i.name, i.url]), [
    ['nixpkgs', 'github:NixOS/nixpkgs/nixos-unstable'],
    ['jetpack-nixos', 'github:anduril/jetpack-nixos'],
    ['nix-ros-overlay', 'github:lopsided98/nix-ros-overlay/master'],
  ]);
  // Spans point at the names in flake.nix, for "go to the definition" from the view.
  assert.deepEqual(out.configurations[1]!.span.start, { line: 15, character: 26 });
  assert.deepEqual(out.inputs[1]!.span.start, { line: 2, character: 9 });
});

test('per-system helpers and flake-parts give outputs without a fixed system', async () => {
  const utils = (await read(`{
  outputs = { self, nixpkgs, flake-utils }:
    flake-utils.lib.eachDefaultSystem (system:
      let pkgs = nixpkgs.legacyPackages.\${system}; in {
        packages.default = pkgs.hello;
        devShells = { default = pkgs.mkShell { }; ros = pkgs.mkShell { }; };
      })
    // { nixosConfigurations.robot = nixpkgs.lib.nixosSystem { modules = [ ]; }; };
}`))!;
  assert.deepEqual(names(utils.packages), ['*/default']);
  assert.deepEqual(names(utils.devShells), ['*/default', '*/ros']);
  assert.deepEqual(utils.configurations.map((c) => c.name), ['robot']);

  const genAttrs = (await read(`{
  outputs = { nixpkgs, ... }: let forAll = nixpkgs.lib.genAttrs [ "x86_64-linux" "aarch64-linux" ]; in {
    devShells = forAll (system: { default = nixpkgs.legacyPackages.\${system}.mkShell { }; });
  };
}`))!;
  assert.deepEqual(names(genAttrs.devShells), ['*/default']);

  const parts = (await read(`{
  outputs = inputs@{ flake-parts, nixpkgs, ... }:
    flake-parts.lib.mkFlake { inherit inputs; } {
      systems = [ "x86_64-linux" ];
      perSystem = { pkgs, ... }: { packages.tool = pkgs.hello; devShells.default = pkgs.mkShell { }; };
      flake.nixosConfigurations.robot = nixpkgs.lib.nixosSystem { modules = [ ]; };
    };
}`))!;
  assert.deepEqual(names(parts.packages), ['*/tool']);
  assert.deepEqual(names(parts.devShells), ['*/default']);
  assert.deepEqual(parts.configurations.map((c) => c.name), ['robot']);
});

test('computed names are left for Nix; a file that is not a flake gives null', async () => {
  const out = (await read(`{
  outputs = { nixpkgs, ... }: {
    nixosConfigurations = builtins.mapAttrs (name: _: nixpkgs.lib.nixosSystem { modules = [ ]; }) { a = 1; };
    packages.x86_64-linux = import ./pkgs.nix;
    devShells.x86_64-linux.\${"sh" + "ell"} = 1;
  };
}`))!;
  assert.deepEqual(out, { configurations: [], packages: [], devShells: [], inputs: [], caches: { substituters: [], trustedPublicKeys: [] }, robots: [] });
  assert.equal(await read('{ config, ... }: { networking.hostName = "x"; }'), null);
  assert.equal(await read('{ description = "no outputs"; }'), null);
  // While a flake is being typed, what already parses is still listed.
  const typing = (await read('{ outputs = { self }: { packages.x86_64-linux.a = 1; devShells.x86_64-linux. }; }'))!;
  assert.deepEqual(names(typing.packages), ['x86_64-linux/a']);
});

test('a configuration shows the SoM, carrier board and JetPack its inline modules set', async () => {
  const out = (await read(`{
  outputs = { nixpkgs, jetpack-nixos, ... }: let
    common = { hardware.nvidia-jetpack.carrierBoard = "devkit"; };
  in {
    nixosConfigurations.agx = nixpkgs.lib.nixosSystem {
      modules = [
        jetpack-nixos.nixosModules.default
        common
        ({ lib, ... }: { hardware.nvidia-jetpack = { enable = true; som = lib.mkDefault "orin-agx"; }; })
      ];
    };
    nixosConfigurations.nx = nixpkgs.lib.nixosSystem {
      modules = [ { hardware.nvidia-jetpack.som = "orin-nx"; hardware.nvidia-jetpack.majorVersion = "5"; } ];
    };
    nixosConfigurations.cond = nixpkgs.lib.nixosSystem {
      modules = [ ({ lib, ... }: lib.mkIf true { hardware.nvidia-jetpack.som = "orin-nano"; }) ];
    };
    nixosConfigurations.hidden = nixpkgs.lib.nixosSystem {
      modules = [ { hardware.nvidia-jetpack.som = "xavier-agx"; } someBoard.nixosModules.default ];
    };
    nixosConfigurations.thor = nixpkgs.lib.nixosSystem {
      modules = [ { config.hardware.nvidia-jetpack = { som = "thor-agx"; majorVersion = "7"; }; } ];
    };
  };
}`))!;
  const facts = Object.fromEntries(out.configurations.map((c) => [c.name, [c.som, c.carrierBoard, c.majorVersion]]));
  assert.deepEqual(facts, {
    // mkDefault is still the one definition: its literal counts, and JetPack is the SoM's default.
    agx: ['orin-agx', 'devkit', '6'],
    nx: ['orin-nx', undefined, '5'],
    // A function returning mkIf is no module body we can read: nothing is claimed.
    cond: [undefined, undefined, undefined],
    // Another flake's module may set majorVersion: no default is claimed.
    hidden: ['xavier-agx', undefined, undefined],
    thor: ['thor-agx', undefined, '7'],
  });
  // The modules that were not read are named, so the flash check can say it is partial.
  const unread = Object.fromEntries(out.configurations.map((c) => [c.name, c.unreadModules]));
  assert.deepEqual(unread, { agx: undefined, nx: undefined, cond: ['{ lib, ... }: lib.mkIf true { hardware.nvidia-jetpack.som = "orin-nano"; }'], hidden: ['someBoard.nixosModules.default'], thor: undefined });
});

test('module files listed by path, their imports and folders with default.nix are read', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jn-flake-'));
  fs.mkdirSync(path.join(dir, 'hosts', 'robot'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'modules'));
  fs.writeFileSync(path.join(dir, 'hosts', 'robot', 'default.nix'), '{ ... }: { imports = [ ../../modules/jetson.nix ]; networking.hostName = "robot"; }\n');
  fs.writeFileSync(path.join(dir, 'modules', 'jetson.nix'), '{ lib, ... }: { imports = [ ./board.nix ]; hardware.nvidia-jetpack.som = "orin-nano"; }\n');
  fs.writeFileSync(path.join(dir, 'modules', 'board.nix'), '{ hardware.nvidia-jetpack.carrierBoard = "devkit"; }\n');
  fs.writeFileSync(path.join(dir, 'modules', 'broken.nix'), '{ hardware.nvidia-jetpack.som = "orin-nx" }\n');
  const flake = path.join(dir, 'flake.nix');
  const out = (await read(
    `{
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.robot = nixpkgs.lib.nixosSystem { modules = [ ./hosts/robot ]; };
    nixosConfigurations.missing = nixpkgs.lib.nixosSystem { modules = [ { hardware.nvidia-jetpack.som = "orin-agx"; } ./nowhere.nix ]; };
    nixosConfigurations.broken = nixpkgs.lib.nixosSystem { modules = [ ./modules/broken.nix ]; };
  };
}`,
    flake,
  ))!;
  const facts = Object.fromEntries(out.configurations.map((c) => [c.name, [c.som, c.carrierBoard, c.majorVersion]]));
  assert.deepEqual(facts, {
    robot: ['orin-nano', 'devkit', '6'],
    // A module that cannot be read may set the version: the SoM is shown, no default version.
    missing: ['orin-agx', undefined, undefined],
    // A file with a syntax error is not trusted.
    broken: [undefined, undefined, undefined],
  });
  assert.deepEqual(out.configurations.map((c) => c.unreadModules), [undefined, ['./nowhere.nix'], ['./modules/broken.nix']]);
});

test('names that refer to themselves and deep nesting end without a loop', async () => {
  const out = (await read(`{
  outputs = { nixpkgs, ... }: let m = m; s = s; in {
    nixosConfigurations.loop = nixpkgs.lib.nixosSystem { modules = [ m { hardware.nvidia-jetpack.som = "orin-nx"; } ]; };
    packages.x86_64-linux = s;
    devShells = ${'('.repeat(200)}{ x86_64-linux.deep = 1; }${')'.repeat(200)};
  };
}`))!;
  assert.deepEqual(out.configurations.map((c) => [c.name, c.som, c.majorVersion]), [['loop', 'orin-nx', undefined]]);
  assert.deepEqual(names(out.packages), []);
  assert.deepEqual(names(out.devShells), ['x86_64-linux/deep']);
});
