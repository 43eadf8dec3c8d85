import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspClient, SERVER } from '../support/lsp-client';
import { FLAKE_OUTPUTS, type FlakeOutputs } from '../../server/src/protocol';

/** `jetsonNix/flakeOutputs` through the built server over stdio: from disk, from an unsaved editor, and refusals. */
const clients: LspClient[] = [];
after(() => {
  for (const c of clients) if (c.process.exitCode === null) c.kill();
});

const FLAKES = path.join(__dirname, '..', 'fixtures', 'flakes');

test('the server reads flake outputs from disk and from open documents', { skip: !fs.existsSync(SERVER) ? 'build first (npm run build)' : false }, async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'jn-lsp-flake-'));
  fs.cpSync(path.join(FLAKES, 'view-robot'), root, { recursive: true });
  fs.mkdirSync(path.join(root, 'hosts'));
  fs.writeFileSync(path.join(root, 'hosts', 'arm.nix'), '{ ... }: { hardware.nvidia-jetpack = { som = "thor-agx"; carrierBoard = "devkit"; }; }\n');
  const flakeFile = path.join(root, 'flake.nix');
  const uri = pathToFileURL(flakeFile).href;
  const c = new LspClient();
  clients.push(c);
  await c.initializeWith({ rootUri: pathToFileURL(root).href });
  const ask = (u: string) => c.connection.sendRequest<FlakeOutputs | null>(FLAKE_OUTPUTS, { uri: u });

  // Not open in the editor: read from disk.
  const fromDisk = (await ask(uri))!;
  assert.deepEqual(
    fromDisk.configurations.map((x) => [x.name, x.som, x.carrierBoard, x.majorVersion]),
    [
      ['robot', 'orin-agx', 'devkit', '6'],
      ['rover', 'orin-nano', undefined, '5'],
    ],
  );
  assert.deepEqual(fromDisk.packages.map((p) => `${p.system}/${p.name}`), ['x86_64-linux/flash-robot', 'x86_64-linux/installer-iso', 'x86_64-linux/default']);
  assert.deepEqual(fromDisk.devShells.map((p) => `${p.system}/${p.name}`), ['x86_64-linux/ros2']);
  assert.deepEqual(fromDisk.inputs.map((i) => [i.name, i.url]), [['nix-ros-overlay', 'path:./ros-overlay']]);
  assert.equal(fs.readFileSync(flakeFile, 'utf8').split('\n')[fromDisk.configurations[0]!.span.start.line]!.includes('nixosConfigurations.robot'), true);

  // Open with unsaved changes: the editor's text wins, and a module file listed by path is read from disk.
  const edited = fs
    .readFileSync(flakeFile, 'utf8')
    .replace('nixosConfigurations.rover = lib.nixosSystem {\n        modules = [', 'nixosConfigurations.arm = lib.nixosSystem { modules = [ ./hosts/arm.nix ]; };\n      nixosConfigurations.rover = lib.nixosSystem {\n        modules = [');
  await c.open(uri, edited);
  const fromEditor = (await ask(uri))!;
  assert.deepEqual(
    fromEditor.configurations.map((x) => [x.name, x.som, x.majorVersion]),
    [
      ['robot', 'orin-agx', '6'],
      ['arm', 'thor-agx', '7'],
      ['rover', 'orin-nano', '5'],
    ],
  );

  // Nothing to read: not a flake, a missing file, a URI that is not a file.
  fs.writeFileSync(path.join(root, 'module.nix'), '{ config, ... }: { networking.hostName = "x"; }\n');
  assert.equal(await ask(pathToFileURL(path.join(root, 'module.nix')).href), null);
  assert.equal(await ask(pathToFileURL(path.join(root, 'missing', 'flake.nix')).href), null);
  assert.equal(await ask('untitled:Untitled-1'), null);
  assert.equal(await c.shutdown(), 0);
});
