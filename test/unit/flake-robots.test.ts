import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Tree } from 'web-tree-sitter';
import { readFlakeOutputs } from '../../server/src/flake/outputs';
import { bundledIndex } from '../../server/src/schema/bundled';
import type { FlakeOutputs, FlakeRobot } from '../../server/src/protocol';
import { sharedParser } from '../support/analysis';

/** Robots of deploy-rs and colmena, and configurations' host names, read from flake.nix without evaluating it. */

const trees: Tree[] = [];
after(() => trees.forEach((t) => t.delete()));

async function read(text: string): Promise<FlakeOutputs> {
  const tree = (await sharedParser()).parse(text)!;
  trees.push(tree);
  const outputs = readFlakeOutputs(tree.rootNode, text, { index: bundledIndex() });
  assert.ok(outputs);
  return outputs;
}

/** Robots without their spans, for compact assertions. */
const robots = (o: FlakeOutputs) => (o.robots ?? []).map(({ span: _span, ...rest }) => rest);

test('deploy-rs nodes: hostname, sshUser (with the top-level default), the port from sshOpts, and the configuration of the system profile', async () => {
  const o = await read(`{
  outputs = { self, nixpkgs, deploy-rs }: {
    nixosConfigurations.arm-1 = nixpkgs.lib.nixosSystem { modules = [ ]; };
    deploy.sshUser = "admin";
    deploy.nodes = {
      arm-1 = {
        hostname = "10.0.0.5";
        sshOpts = [ "-p" "2222" ];
        profiles.system = {
          user = "root";
          path = deploy-rs.lib.aarch64-linux.activate.nixos self.nixosConfigurations.arm-1;
        };
      };
      "arm 2".hostname = "arm-2.local";
      arm-2.sshUser = "root";
    };
    deploy.nodes.arm-3 = { hostname = "arm-3"; sshOpts = [ "-p2200" ]; profiles.system.path = deploy-rs.lib.aarch64-linux.activate.nixos self.nixosConfigurations."arm 3"; };
  };
}`);
  assert.deepEqual(robots(o), [
    { name: 'arm-1', source: 'deploy-rs', host: '10.0.0.5', user: 'admin', port: 2222, configuration: 'arm-1' },
    { name: 'arm 2', source: 'deploy-rs', host: 'arm-2.local', user: 'admin' },
    { name: 'arm-2', source: 'deploy-rs', user: 'root' },
    { name: 'arm-3', source: 'deploy-rs', host: 'arm-3', user: 'admin', port: 2200, configuration: 'arm 3' },
  ]);
  const span = o.robots![0]!.span;
  assert.deepEqual([span.start.line, span.start.character], [5, 6], 'the node is located at its name');
});

test('deploy-rs: a host computed by a function is left out, not guessed', async () => {
  const o = await read(`{
  outputs = { self, deploy-rs }: {
    deploy.nodes.robot = { hostname = "\${self.lib.domain}"; profiles.system.path = mkPath "robot"; };
    deploy.nodes.other = { hostname = hostOf "other"; };
  };
}`);
  assert.deepEqual(robots(o), [{ name: 'robot', source: 'deploy-rs' }, { name: 'other', source: 'deploy-rs' }]);
});

test("colmena: one robot per node (not meta or defaults), targetHost with colmena's default of the node's name", async () => {
  const o = await read(`{
  outputs = { self, nixpkgs, colmena }: {
    colmena = {
      meta.nixpkgs = import nixpkgs { system = "x86_64-linux"; };
      defaults = { pkgs, ... }: { environment.systemPackages = [ pkgs.vim ]; };
      lidar-bot = { name, nodes, ... }: {
        deployment.targetHost = "192.168.1.20";
        deployment.targetUser = "ops";
        deployment.targetPort = 2022;
      };
      camera-bot = { deployment = { tags = [ "cameras" ]; }; };
      hidden-bot = import ./hidden-bot.nix;
      split-bot = { imports = [ ./split-bot.nix ]; };
    };
    colmenaHive = colmena.lib.makeHive self.colmena;
  };
}`);
  assert.deepEqual(robots(o), [
    { name: 'lidar-bot', source: 'colmena', host: '192.168.1.20', user: 'ops', port: 2022 },
    { name: 'camera-bot', source: 'colmena', host: 'camera-bot' },
    { name: 'hidden-bot', source: 'colmena' },
    { name: 'split-bot', source: 'colmena' },
  ] satisfies Omit<FlakeRobot, 'span'>[]);
});

test('colmena: a hive given to makeHive directly', async () => {
  const o = await read(`{
  outputs = { colmena, ... }: {
    colmenaHive = colmena.lib.makeHive {
      meta.nixpkgs = import ./nixpkgs.nix;
      dock-1.deployment.targetHost = "dock-1.lan";
    };
  };
}`);
  assert.deepEqual(robots(o), [{ name: 'dock-1', source: 'colmena', host: 'dock-1.lan' }]);
});

test("a configuration's networking.hostName, where its modules set it literally", async () => {
  const o = await read(`{
  outputs = { nixpkgs, ... }: {
    nixosConfigurations.robot = nixpkgs.lib.nixosSystem {
      modules = [ { networking.hostName = "robot-7"; hardware.nvidia-jetpack.som = "orin-nx"; } ];
    };
    nixosConfigurations.computed = nixpkgs.lib.nixosSystem {
      modules = [ ({ name, ... }: { networking.hostName = name; }) ];
    };
  };
}`);
  assert.deepEqual(
    o.configurations.map((c) => [c.name, c.hostName, c.som]),
    [['robot', 'robot-7', 'orin-nx'], ['computed', undefined, undefined]],
  );
  assert.deepEqual(o.robots, []);
});
