import type { FeatureModule } from './host';
import { optionsFeature } from './options';
import { flakeOutputsFeature } from './flake-outputs';
import { flakeFeature } from './flake';
import { structureFeature } from './structure';

/** Every feature module the server wires, in the order their hovers are tried. */
export const FEATURES: FeatureModule[] = [optionsFeature, flakeOutputsFeature, flakeFeature, structureFeature];
