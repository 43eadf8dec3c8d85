import { readTextSync } from '../../server/src/shared/safe-read';

/** A fixture's text as the CLI reads it (through the safe reader); a fixture that cannot be read fails the test. */
export function readNixFixture(file: string): string {
  const read = readTextSync(file, { kind: 'nix' });
  if (!read.ok) throw new Error(read.message);
  return read.value;
}
