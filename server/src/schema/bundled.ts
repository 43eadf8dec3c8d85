import schemaJson from '../../schema/jetpack-nixos.json';
import type { Schema } from './types';
import { OptionIndex } from '../options/schema-index';

/** The schema shipped with the extension (jetpack-nixos at the revision in `source`). */
export const BUNDLED_SCHEMA = schemaJson as unknown as Schema;

let index: OptionIndex | undefined;

/** The index of the bundled schema, built once per process. */
export function bundledIndex(): OptionIndex {
  return (index ??= new OptionIndex(BUNDLED_SCHEMA));
}
