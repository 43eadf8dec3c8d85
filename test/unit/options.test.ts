import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { sharedParser } from '../support/analysis';
import { MINI_SCHEMA } from '../support/mini-schema';
import { checkOptions } from '../../server/src/options/check';
import { OptionIndex } from '../../server/src/options/schema-index';

const index = new OptionIndex(MINI_SCHEMA);

/** Option findings of `text` as `code@line:col message`. */
async function options(text: string, isModuleFile = false): Promise<string[]> {
  const tree = (await sharedParser()).parse(text)!;
  const found = checkOptions(tree.rootNode, index, { isModuleFile }).findings;
  tree.delete();
  return found
    .sort((a, b) => a.start - b.start)
    .map((f) => {
      const before = text.slice(0, f.start);
      return `${f.code}@${before.split('\n').length}:${f.start - before.lastIndexOf('\n')} ${f.message.replace('{line}', 'N')}`;
    });
}

const mod = (body: string) => `{ config, lib, pkgs, ... }:\n{\n${body}\n}\n`;

describe('finding option definitions', () => {
  const forms = [
    'hardware.nvidia-jetpack.som = "orin-agx-64";',
    'hardware.nvidia-jetpack = { som = "orin-agx-64"; };',
    'hardware = { nvidia-jetpack.som = "orin-agx-64"; };',
    'hardware = { nvidia-jetpack = { som = "orin-agx-64"; }; };',
    'config = { hardware.nvidia-jetpack.som = "orin-agx-64"; };',
    'config = lib.mkIf true { hardware.nvidia-jetpack.som = "orin-agx-64"; };',
    'config = lib.mkMerge [ { } (lib.mkIf true { hardware.nvidia-jetpack.som = "orin-agx-64"; }) ];',
    'hardware.nvidia-jetpack = lib.mkMerge [ { som = "orin-agx-64"; } ];',
    'hardware.nvidia-jetpack.som = lib.mkDefault "orin-agx-64";',
    'hardware.nvidia-jetpack.som = lib.mkForce ("orin-agx-64");',
    'hardware.nvidia-jetpack.som = lib.mkOverride 90 "orin-agx-64";',
    'hardware.nvidia-jetpack = lib.mkDefault { som = "orin-agx-64"; };',
  ];
  for (const form of forms) {
    test(`every form resolves to the same option: ${form}`, async () => {
      const found = await options(mod('  ' + form));
      assert.equal(found.length, 1, found.join('\n'));
      assert.match(found[0]!, /^invalid-enum-value@\d+:\d+ "orin-agx-64" is not a valid value of `hardware.nvidia-jetpack.som`\. Did you mean "orin-agx"\?/);
    });
  }

  test('inline modules of nixosSystem in a flake are checked', async () => {
    const flake = `{
  inputs.nixpkgs.url = "github:NixOS/nixpkgs";
  outputs = { self, nixpkgs, jetpack-nixos, ... }: {
    nixosConfigurations.robot = nixpkgs.lib.nixosSystem {
      system = "aarch64-linux";
      modules = [
        jetpack-nixos.nixosModules.default
        ./configuration.nix
        { hardware.nvidia-jetpack.som = "orin-agx-64"; }
        ({ pkgs, ... }: { hardware.nvidia-jetpack.majorVersion = 6; })
      ];
    };
  };
}`;
    const found = await options(flake);
    assert.deepEqual(found.map((f) => f.split(' ')[0]), ['invalid-enum-value@9:41', 'type-mismatch@10:66']);
  });

  test('values that are not literals are never judged', async () => {
    const text = mod(`  hardware.nvidia-jetpack = {
    som = cfg.som;
    carrierBoard = if config.x then "devkit" else "nope";
    majorVersion = "\${toString 6}";
    enable = config.services.x.enable;
    super = lib.mkDefault (builtins.elem 1 [ 1 ]);
    firmware.initialBootOrder = [ "nvme" someVariable ];
  };
  inherit (cfg) something;`);
    assert.deepEqual(await options(text.replace('  inherit (cfg) something;', '')), []);
  });

  test('package expressions, overlays and data files are not modules', async () => {
    assert.deepEqual(await options('{ stdenv, fetchurl }: stdenv.mkDerivation { hardware.nvidia-jetpack.som = "x"; }'), []);
    assert.deepEqual(await options('final: prev: { hardware.nvidia-jetpack.som = "x"; }'), []);
    assert.deepEqual(await options('{ robots = { hardware.nvidia-jetpack.som = "x"; }; }'), []);
    // …unless the file is known to be listed as a module.
    assert.equal((await options('{ hardware.nvidia-jetpack.som = "x"; }', true)).length, 1);
  });
});

describe('option diagnostics', () => {
  test('unknown options under owned namespaces, with did-you-mean', async () => {
    assert.deepEqual(await options(mod('  hardware.nvidia-jetpack.carrierbord = "devkit";')), [
      'unknown-option@3:27 `hardware.nvidia-jetpack.carrierbord` is not a jetpack-nixos option: did you mean `hardware.nvidia-jetpack.carrierBoard`?',
    ]);
    assert.deepEqual(await options(mod('  hardware.nvidia-jetpack.uefi.logo = ./logo.bmp;')), [
      'unknown-option@3:27 `hardware.nvidia-jetpack.uefi` is not a jetpack-nixos option: did you mean `hardware.nvidia-jetpack.firmware.uefi.logo`?',
    ]);
    // Outside owned namespaces nothing is claimed.
    assert.deepEqual(await options(mod('  services.openssh.enable = true;\n  hardware.graphics.enable = true;')), []);
  });

  test('cudaCapabilities at the top of a module', async () => {
    assert.deepEqual(await options(mod('  cudaCapabilities = [ "8.7" ];')), ['unknown-option@3:3 `cudaCapabilities` is not a NixOS option: set `nixpkgs.config.cudaCapabilities` instead']);
    assert.deepEqual(await options(mod('  config.cudaCapabilities = [ "8.7" ];')), ['unknown-option@3:10 `cudaCapabilities` is not a NixOS option: set `nixpkgs.config.cudaCapabilities` instead']);
  });

  test('enum values, also in lists', async () => {
    assert.deepEqual(await options(mod('  hardware.nvidia-jetpack.firmware.initialBootOrder = [ "nvme" "usb3" ];')), [
      'invalid-enum-value@3:64 "usb3" is not a valid value of `hardware.nvidia-jetpack.firmware.initialBootOrder`. Did you mean "usb"? Valid: "nvme", "usb", "sd", "emmc"',
    ]);
  });

  test('type mismatches say what was expected and how to fix it', async () => {
    const found = await options(mod(`  hardware.nvidia-jetpack.enable = "true";
  hardware.nvidia-jetpack.majorVersion = 6;
  services.nvpmodel.profileNumber = "0";
  hardware.nvidia-jetpack.flashScriptOverrides.initrdFlashCompletionTimeoutSeconds = 0;
  hardware.nvidia-jetpack.firmware.initialBootOrder = ./boot-order;
  hardware.nvidia-jetpack.som.x = 1;`));
    assert.deepEqual(found, [
      'type-mismatch@3:36 `hardware.nvidia-jetpack.enable` expects a boolean (`true` or `false`), not "true": write `true` without quotes',
      'type-mismatch@4:42 `hardware.nvidia-jetpack.majorVersion` expects one of "5", "6", "7", not 6: write it as a string, `"6"`',
      'type-mismatch@5:37 `services.nvpmodel.profileNumber` expects null or an integer, not "0": write `0` without quotes',
      'type-mismatch@6:86 `hardware.nvidia-jetpack.flashScriptOverrides.initrdFlashCompletionTimeoutSeconds` must be a positive integer (at least 1), not 0',
      'type-mismatch@7:55 `hardware.nvidia-jetpack.firmware.initialBootOrder` expects null or a list of one of "nvme", "usb", "sd", "emmc", not ./boot-order',
      'type-mismatch@8:27 `hardware.nvidia-jetpack.som` expects one of "generic", "orin-agx", "orin-nx", "orin-nano", "thor-agx", "xavier-agx", but this defines `hardware.nvidia-jetpack.som.x` inside it',
    ]);
  });

  test('submodule lists are checked field by field', async () => {
    assert.deepEqual(await options(mod('  hardware.nvidia-jetpack.firmware.variants = [ { boardid = "3701"; fabb = "300"; } ];')), [
      'unknown-option@3:69 `fabb` is not a field of `hardware.nvidia-jetpack.firmware.variants`: did you mean `fab`?',
    ]);
  });

  test('renamed and read-only options', async () => {
    assert.deepEqual(await options(mod('  hardware.nvidia-jetpack.bootloader.autoUpdate = true;\n  hardware.nvidia-jetpack.flashScript = null;')), [
      'renamed-option@3:38 `hardware.nvidia-jetpack.bootloader.autoUpdate` was renamed to `hardware.nvidia-jetpack.firmware.autoUpdate`: use the new name',
      'read-only-option@4:27 `hardware.nvidia-jetpack.flashScript` is read-only: it is computed by jetpack-nixos and cannot be set',
    ]);
  });

  test('NVIDIA product names for a SoM or carrier board: did you mean the jetpack-nixos value, with the fix', async () => {
    for (const [written, meant] of [['agx-orin', 'orin-agx'], ['AGX Orin', 'orin-agx'], ['jetson-agx-orin', 'orin-agx'], ['orin-nx-16gb', 'orin-nx'], ['Jetson AGX Orin Developer Kit', 'devkit']] as const) {
      const option = meant === 'devkit' ? 'carrierBoard' : 'som';
      const tree = (await sharedParser()).parse(mod(`  hardware.nvidia-jetpack.${option} = "${written}";`))!;
      const [f, ...rest] = checkOptions(tree.rootNode, index, {}).findings;
      tree.delete();
      assert.equal(rest.length, 0, written);
      assert.match(f!.message, new RegExp(`^"${written}" is not a valid value .* Did you mean "${meant}"\\?`), written);
      assert.deepEqual(f!.fixes?.map((x) => x.edits[0]!.newText), [`"${meant}"`], written);
    }
  });

  test('a read-only option set by the module that declares it is its one allowed definition', async () => {
    const declaring = `{ config, lib, ... }: {
  options.hardware.nvidia-jetpack.flashScript = lib.mkOption { type = lib.types.package; readOnly = true; };
  config.hardware.nvidia-jetpack.flashScript = config.system.build.flashScript;
}`;
    assert.deepEqual(await options(declaring), []);
  });

  test('against a schema standing in for an unreadable pinned revision, verdicts are notes that say why', async () => {
    const unverified = new OptionIndex(MINI_SCHEMA, [], 'flake.lock pins jetpack-nixos 1234567, which is not in the local Nix store');
    const tree = (await sharedParser()).parse(mod('  hardware.nvidia-jetpack.kernel.version = "6.6";\n  cudaCapabilities = [ "8.7" ];'))!;
    const found = checkOptions(tree.rootNode, unverified, {}).findings.map((f) => `${f.severity} ${f.message}`);
    tree.delete();
    assert.deepEqual(found, [
      'information `hardware.nvidia-jetpack.kernel.version` is not a jetpack-nixos option (only a note: flake.lock pins jetpack-nixos 1234567, which is not in the local Nix store)',
      'error `cudaCapabilities` is not a NixOS option: set `nixpkgs.config.cudaCapabilities` instead',
    ]);
  });

  test('a top-level config beside other definitions', async () => {
    assert.deepEqual(await options(mod('  imports = [ ];\n  config.services.nvpmodel.enable = true;\n  networking.hostName = "robot";')), [
      'module-structure@5:3 NixOS rejects this: the module has a top-level `config` (line N), so `networking.hostName` must go inside `config = { … }`',
    ]);
  });

  test('a module from another flake may extend the SoM and carrier board enums', async () => {
    const flake = (extra: string) => `{
  outputs = { nixpkgs, jetpack-nixos, acme-boards, ... }: {
    nixosConfigurations.r = nixpkgs.lib.nixosSystem {
      modules = [ jetpack-nixos.nixosModules.default ${extra} { hardware.nvidia-jetpack.carrierBoard = "acme-carrier"; } ];
    };
  };
}
`;
    assert.deepEqual(await options(flake('acme-boards.nixosModules.default')), []);
    assert.equal((await options(flake(''))).length, 1);
  });

  test('options the workspace declares are known, and enum re-declarations extend the values', async () => {
    const text = `{ lib, ... }: {
  options.hardware.nvidia-jetpack.carrierBoard = lib.mkOption { type = lib.types.enum [ "my-board" ]; };
  options.hardware.nvidia-jetpack.robotName = lib.mkOption { type = lib.types.str; };
  config.hardware.nvidia-jetpack = { carrierBoard = "my-board"; robotName = "scout"; };
}`;
    assert.deepEqual(await options(text), []);
  });
});

describe('rules across options', () => {
  const jp = (body: string) => mod(`  hardware.nvidia-jetpack = {\n${body}\n  };`);

  test('JetPack versions a SoM cannot run', async () => {
    assert.deepEqual(await options(jp('    som = "xavier-agx";\n    majorVersion = "6";')), [
      'incompatible-jetpack-version@5:20 JetPack 6 does not run on xavier-agx: it supports JetPack 5 (the SoM is set on line N)',
    ]);
    assert.deepEqual(await options(jp('    som = "thor-agx";')), []);
    assert.deepEqual(await options(jp('    som = "orin-agx";\n    majorVersion = "5";')), []);
    // Conditional or non-literal values are not judged.
    assert.deepEqual(await options(mod('  hardware.nvidia-jetpack.som = "xavier-agx";\n  hardware.nvidia-jetpack.majorVersion = lib.mkIf false "6";')), []);
  });

  test('carrier boards', async () => {
    assert.deepEqual((await options(jp('    som = "orin-agx";\n    carrierBoard = "xavierNxDevkit";'))).map((f) => f.split(' ')[0]), ['unsupported-carrier-board@5:20']);
    assert.deepEqual((await options(jp('    som = "orin-nx";\n    carrierBoard = "xavierNxDevkit";\n    majorVersion = "7";'))).map((f) => f.split(' ')[0]), ['unsupported-carrier-board@5:20']);
    assert.deepEqual(await options(jp('    som = "orin-nx";\n    carrierBoard = "xavierNxDevkit";')), []);
  });

  test('CUDA capabilities that do not match the SoM', async () => {
    const text = mod('  hardware.nvidia-jetpack.som = "orin-agx";\n  nixpkgs.config.cudaCapabilities = [ "7.2" ];');
    assert.deepEqual((await options(text)).map((f) => f.split(' ')[0]), ['cuda-capability-mismatch@4:37']);
    assert.deepEqual(await options(mod('  hardware.nvidia-jetpack.som = "orin-agx";\n  nixpkgs.config.cudaCapabilities = [ "8.7" ];')), []);
  });

  test('gates that need other options, in a configuration whose every module is visible', async () => {
    const flake = (body: string) => `{
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.r = nixpkgs.lib.nixosSystem {
      modules = [ {
${body}
      } ];
    };
  };
}
`;
    assert.deepEqual((await options(flake('        hardware.nvidia-jetpack.firmware.uefi.capsuleAuthentication.enable = true;'))).map((f) => f.split(' ')[0]), ['missing-required-option@5:78']);
    // A module file is one part of a configuration: its companions may be set in another part.
    assert.deepEqual(await options(jp('    firmware.uefi.capsuleAuthentication.enable = true;')), []);
  });

  test('settings that change nothing are warnings', async () => {
    assert.deepEqual((await options(jp('    som = "orin-agx";\n    majorVersion = "6";\n    super = true;'))).map((f) => f.split(' ')[0]), ['ineffective-option@6:13']);
    // JetPack unset in a module file: another module may pick 7, where Super exists on AGX Orin.
    assert.deepEqual(await options(jp('    som = "orin-agx";\n    super = true;')), []);
    assert.deepEqual((await options(jp('    som = "xavier-agx";\n    super = true;'))).map((f) => f.split(' ')[0]), ['ineffective-option@5:13']);
    assert.deepEqual(await options(jp('    som = "orin-nx";\n    super = true;')), []);
    assert.deepEqual((await options(jp('    som = "generic";\n    firmware.autoUpdate = true;'))).map((f) => f.split(' ')[0]), ['ineffective-option@5:27']);
  });
});
