// The untrusted run of the extension-host suite (scripts/test-extension-host.mjs --suite untrusted):
// VS Code with workspace trust on and the workspace left untrusted (Restricted Mode), opened on a
// copy of the fixture workspace that a hostile repository could be. Its .vscode/settings.json
// points jetsonNix.nix.executable at a fake `nix` that leaves a marker, and jetsonNix.usb.sysfsRoot
// at a tree whose idVendor is a symbolic link to /dev/zero (and another a FIFO); its .git/config
// has a core.fsmonitor hook that leaves a marker too. The markers are written outside the
// workspace, in a folder the tests read (JETSON_NIX_EH_MARKERS). The tests are
// test/extension-host/suite/untrusted-*.test.ts.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** User settings of the untrusted run: trust on, no prompt at startup (the folder stays untrusted). */
export const UNTRUSTED_SETTINGS = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
  'security.workspace.trust.untrustedFiles': 'open',
  'security.workspace.trust.emptyWindow': false,
};

/** An executable shell script that appends its name and arguments to `marker`. */
function markerScript(file, marker) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const quoted = marker.replace(/'/g, `'\\''`);
  fs.writeFileSync(file, `#!/bin/sh\necho "$0 $*" >> '${quoted}'\n`, { mode: 0o755 });
}

/** Adds the hostile parts to a copy of the fixture workspace; markers go to `markers`. */
export function prepareUntrustedWorkspace(workspace, markers) {
  fs.mkdirSync(markers, { recursive: true });
  const nix = path.join(workspace, 'tools', 'nix');
  const hook = path.join(workspace, 'tools', 'fsmonitor-hook');
  markerScript(nix, path.join(markers, 'nix-ran'));
  markerScript(hook, path.join(markers, 'fsmonitor-ran'));

  // A sysfs tree whose recovery-mode AGX Orin has its idVendor linked to /dev/zero, and a second
  // device whose idVendor is a FIFO: reading either with readFileSync takes the host down or hangs it.
  const devices = path.join(workspace, 'sysfs', 'bus', 'usb', 'devices');
  for (const port of ['1-4', '1-5']) {
    fs.mkdirSync(path.join(devices, port), { recursive: true });
    fs.writeFileSync(path.join(devices, port, 'idProduct'), '7023\n');
  }
  fs.symlinkSync('/dev/zero', path.join(devices, '1-4', 'idVendor'));
  const fifo = spawnSync('mkfifo', [path.join(devices, '1-5', 'idVendor')]);
  if (fifo.status !== 0) throw new Error(`mkfifo failed: ${fifo.stderr}`);

  const git = (...args) => {
    const result = spawnSync('git', args, { cwd: workspace, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
  };
  git('init', '--quiet');
  git('config', 'core.fsmonitor', hook);

  fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
  fs.writeFileSync(
    path.join(workspace, '.vscode', 'settings.json'),
    JSON.stringify({ 'jetsonNix.nix.executable': nix, 'jetsonNix.usb.sysfsRoot': path.join(workspace, 'sysfs') }, null, 2),
  );
}
