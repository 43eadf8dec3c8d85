import table from '../../ros/rosdep-nixos.json';

/**
 * rosdep keys → nixpkgs attributes: the `nixos` rule of each key in ros/rosdistro's
 * `rosdep/base.yaml` and `rosdep/python.yaml` (the revision is in `source`). A `package.xml`
 * names its system dependencies by these keys (`<depend>eigen</depend>`, `python3-numpy`).
 *
 * Stored compactly in `server/ros/rosdep-nixos.json`: a key's attributes joined by spaces, an
 * empty string for a key whose rule installs nothing on NixOS. Small (~30 KB), so it is part of
 * the server bundle.
 */

interface RosdepFile {
  source: string;
  keys: Record<string, string>;
}

const data = table as RosdepFile;

/** Where the table comes from (rosdistro revision and date). */
export function rosdepSource(): string {
  return data.source;
}

/** The nixpkgs attributes of a rosdep key (empty: the key needs nothing on NixOS), or undefined for an unknown key. */
export function rosdepAttributes(key: string): string[] | undefined {
  if (!Object.prototype.hasOwnProperty.call(data.keys, key)) return undefined;
  const v = data.keys[key]!;
  return v === '' ? [] : v.split(' ');
}

let keyList: string[] | undefined;

/** Every rosdep key, for did-you-mean. */
export function rosdepKeys(): readonly string[] {
  return (keyList ??= Object.keys(data.keys));
}

/** A nixpkgs attribute path as Nix can select it (`python3Packages.numpy`, `qt6.qtbase`). */
const ATTRIBUTE_PATH = /^[A-Za-z_][A-Za-z0-9_'-]*(\.[A-Za-z_][A-Za-z0-9_'-]*)*$/;

/** Whether a rule's attribute is a selectable nixpkgs path (upstream has a few that are not). */
export function isAttributePath(attr: string): boolean {
  return ATTRIBUTE_PATH.test(attr);
}

/** The compact file's text for the reference table (`{ source, keys: { key: [attr…] } }`), one key per line. */
export function compactRosdep(reference: { source: string; keys: Record<string, string[]> }): string {
  const keys = Object.keys(reference.keys).sort();
  const lines = keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(reference.keys[k]!.join(' '))}`);
  return `{"source":${JSON.stringify(reference.source)},\n"keys":{\n${lines.join(',\n')}\n}}\n`;
}
