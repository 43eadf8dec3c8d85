import * as fs from 'node:fs';
import * as path from 'node:path';
import { readIndex } from './index-file';
import { RosIndex } from './ros-index';

/**
 * The package index shipped with the extension (`server/ros/ros-index.txt`, copied next to the
 * server bundle as `dist/server/ros-index.txt`). It is read the first time something asks for
 * it, never at start-up: ~700 KB that most Nix files never need.
 */

/** The file's name beside the bundle. */
export const BUNDLED_INDEX_NAME = 'ros-index.txt';

/** Where the file is: beside the bundle (`dist/server/`), or in the source tree when running from source (tests). */
export function bundledIndexPath(): string {
  const candidates = [path.join(__dirname, BUNDLED_INDEX_NAME), path.join(__dirname, '..', '..', 'ros', BUNDLED_INDEX_NAME)];
  return candidates.find((c) => fs.existsSync(c)) ?? candidates[0]!;
}

export type BundledIndex = { index: RosIndex } | { error: string };

let loaded: BundledIndex | undefined;

/**
 * The bundled index, read and split once per process on first use (a few milliseconds), or why
 * it cannot be read (a damaged installation). It is the extension's own file, not one a
 * workspace names, so it is read directly.
 */
export function bundledRosIndex(): BundledIndex {
  if (loaded) return loaded;
  const file = bundledIndexPath();
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    return (loaded = { error: `the bundled ROS package index could not be read (${file}: ${err instanceof Error ? err.message : String(err)})` });
  }
  const read = readIndex(text);
  loaded = 'index' in read ? { index: new RosIndex(read.index) } : { error: `${file}: ${read.error}` };
  return loaded;
}
