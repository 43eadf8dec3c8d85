import type { FeatureModule } from './host';
import { optionsFeature } from './options';
import { navigationFeature } from './navigation';
import { flakeOutputsFeature } from './flake-outputs';
import { structureFeature } from './structure';
import { flakeFeature } from './flake';
import { suppressFeature } from './suppress';

/** Every feature module the server wires, in the order their hovers are tried. */
// The flake module answers hovers on flake inputs only (with their flake.lock pins), so it comes
// before the navigation module's hover on bindings (the arguments of `outputs` are both).
export const FEATURES: FeatureModule[] = [optionsFeature, flakeFeature, navigationFeature, flakeOutputsFeature, structureFeature, suppressFeature];
