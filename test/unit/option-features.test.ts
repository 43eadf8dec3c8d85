import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { NixDocument } from '../../server/src/parse/document';
import { bundledIndex } from '../../server/src/schema/bundled';
import { completeOptions } from '../../server/src/features/completion';
import { hoverOption } from '../../server/src/features/hover';
import { configurationLenses } from '../../server/src/features/code-lens';
import { sharedParser, check } from '../support/analysis';

/** A document from text with a cursor marker `¦`, and the cursor's position. */
async function at(marked: string): Promise<{ doc: NixDocument; position: { line: number; character: number } }> {
  const offset = marked.indexOf('¦');
  const text = marked.replace('¦', '');
  const doc = new NixDocument(await sharedParser(), text, 1);
  return { doc, position: doc.lineIndex.position(offset) };
}

const mod = (body: string) => `{ config, lib, pkgs, ... }:\n{\n${body}\n}\n`;

describe('completion', () => {
  test('after a dotted prefix', async () => {
    const { doc, position } = await at(mod('  hardware.nvidia-jetpack.¦'));
    const labels = completeOptions(doc, position, bundledIndex()).map((i) => i.label);
    assert.ok(labels.includes('som') && labels.includes('carrierBoard') && labels.includes('firmware'), labels.join(' '));
    assert.ok(!labels.includes('bootloader'), 'renamed options are not offered');
  });

  test('inside nested sets, with type and default, inserting `name = ;`', async () => {
    const { doc, position } = await at(mod('  hardware.nvidia-jetpack = {\n    enable = true;\n    s¦\n  };'));
    const som = completeOptions(doc, position, bundledIndex()).find((i) => i.label === 'som');
    assert.ok(som);
    assert.match(String(som.detail), /^one of "generic", "orin-agx"/);
    assert.equal(som.insertText, 'som = $1;');
    const { doc: d2, position: p2 } = await at(mod('  hardware = {\n    ¦\n  };'));
    assert.ok(completeOptions(d2, p2, bundledIndex()).some((i) => i.label === 'nvidia-jetpack'));
  });

  test('enum values inside the string, and booleans', async () => {
    const { doc, position } = await at(mod('  hardware.nvidia-jetpack.som = "or¦";'));
    const items = completeOptions(doc, position, bundledIndex());
    assert.ok(items.some((i) => i.label === 'orin-agx' && i.insertText === 'orin-agx'));
    assert.match(String(items.find((i) => i.label === 'orin-agx')?.detail), /JetPack 5\/6\/7 · CUDA 8\.7/);
    const { doc: d2, position: p2 } = await at(mod('  hardware.nvidia-jetpack = { super = ¦'));
    assert.deepEqual(completeOptions(d2, p2, bundledIndex()).map((i) => i.label), ['true', 'false']);
  });

  test('nothing is offered outside modules (package expressions)', async () => {
    const { doc, position } = await at('{ stdenv }: stdenv.mkDerivation {\n  hardware.nvidia-jetpack.¦\n}');
    assert.deepEqual(completeOptions(doc, position, bundledIndex()), []);
  });
});

describe('hover', () => {
  test('on an option name and on a SoM value', async () => {
    const { doc, position } = await at(mod('  hardware.nvidia-jetpack.s¦om = "orin-agx";'));
    const hover = hoverOption(doc, position, bundledIndex());
    const text = (hover?.contents as { value: string }).value;
    assert.match(text, /\*\*hardware\.nvidia-jetpack\.som\*\*/);
    assert.match(text, /Declared in jetpack-nixos `modules\/default\.nix:\d+` at 4d857d6/);
    const v = await at(mod('  hardware.nvidia-jetpack.som = "orin-a¦gx";'));
    const somText = (hoverOption(v.doc, v.position, bundledIndex())?.contents as { value: string }).value;
    assert.match(somText, /\*\*orin-agx\*\*/);
    assert.match(somText, /CUDA capability: 8\.7/);
    assert.match(somText, /jetson-agx-orin-devkit/);
  });
});

describe('quick fixes and the summary lens', () => {
  test('invalid SoM: the did-you-mean is a fix', async () => {
    const findings = await check(mod('  hardware.nvidia-jetpack.som = "orin-agx-64";'));
    assert.equal(findings.length, 1);
    assert.deepEqual(findings[0]!.fixes?.[0]?.edits.map((e) => e.newText), ['"orin-agx"']);
  });

  test('renamed options and cudaCapabilities get fixes', async () => {
    const renamed = await check(mod('  hardware.nvidia-jetpack.bootloader.autoUpdate = true;'));
    assert.deepEqual(renamed[0]!.fixes?.[0]?.edits.map((e) => e.newText), ['firmware.autoUpdate']);
    const caps = await check(mod('  hardware.nvidia-jetpack.som = "thor-agx";\n  nixpkgs.config.cudaCapabilities = [ "8.7" ];'));
    assert.deepEqual(caps.map((f) => f.code), ['cuda-capability-mismatch']);
    assert.deepEqual(caps[0]!.fixes?.[0]?.edits.map((e) => e.newText), ['[ "11.0" ]']);
  });

  test('missing required options are added with placeholders that keep the file valid', async () => {
    const text = `{\n  outputs = { nixpkgs, ... }: {\n    nixosConfigurations.r = nixpkgs.lib.nixosSystem {\n      modules = [ {\n        hardware.nvidia-jetpack.firmware.uefi.capsuleAuthentication.enable = true;\n      } ];\n    };\n  };\n}\n`;
    const [f] = await check(text);
    assert.equal(f?.code, 'missing-required-option');
    const edit = f!.fixes![0]!.edits[0]!;
    const fixed = text.slice(0, edit.start) + edit.newText + text.slice(edit.end);
    assert.deepEqual(await check(fixed), []);
  });

  test('a lens sums up the configuration', async () => {
    const { doc } = await at(mod('  hardware.nvidia-jetpack = { enable = true; som = "orin-agx"; carrierBoard = "devkit"; };¦'));
    const lenses = configurationLenses(doc, bundledIndex());
    assert.deepEqual(lenses.map((l) => l.command?.title), ['JetPack 6 (default) · L4T 36.5.0 · CUDA 12.6 · flash target jetson-agx-orin-devkit']);
  });
});
