/**
 * NVIDIA's product names for Jetson modules and developer kits ("AGX Orin", "jetson-orin-nx-16gb",
 * "Jetson Orin Nano Developer Kit") against the values jetpack-nixos takes for `som` and
 * `carrierBoard` ("orin-agx", "devkit"). People copy the names from NVIDIA's pages and the box;
 * an edit distance would not find `orin-agx` from `agx-orin`.
 */

/** NVIDIA names the family after the form factor for AGX modules ("AGX Orin"), jetpack-nixos before it. */
const FAMILIES = ['orin', 'xavier', 'thor'];

/** Words that name the product, not the module: dropped before matching. */
const NOISE = new Set(['jetson', 'nvidia', 'module', 'som', 'series', 'kit', 'developer', 'devkit', 'dev']);

/** `AGX Orin 64GB` → `["agx", "orin", "64gb"]`. */
function words(value: string): string[] {
  return value
    .toLowerCase()
    .split(/[\s_\-/]+/)
    .filter((w) => w.length > 0);
}

/**
 * The SoM values a product name stands for, best first, or none when it is not one. A memory size
 * (`16gb`) selects the module, except that every Xavier NX 16GB is the production module with eMMC.
 */
function somFor(value: string, values: readonly string[]): string[] {
  const all = words(value);
  const memory = all.find((w) => /^\d+gb$/.test(w));
  const rest = all.filter((w) => !NOISE.has(w) && w !== memory && w !== 'super');
  const family = rest.find((w) => FAMILIES.includes(w));
  if (!family) return [];
  const base = [family, ...rest.filter((w) => w !== family)].join('-');
  // jetpack-nixos writes the family first (`orin-agx`); the Xavier NX 16GB is only made with eMMC.
  const candidates = base === 'xavier-nx' && memory ? (memory === '16gb' ? ['xavier-nx-emmc'] : ['xavier-nx-emmc', 'xavier-nx']) : base === 'thor-t4000' ? ['thor-agx-t4000'] : [base];
  return candidates.filter((c) => values.includes(c));
}

/** A developer kit's name means its own carrier board, `devkit`. */
function carrierBoardFor(value: string, values: readonly string[]): string[] {
  const all = words(value);
  const isDevkit = all.includes('devkit') || (all.includes('developer') && all.includes('kit')) || (all.includes('dev') && all.includes('kit'));
  return isDevkit && values.includes('devkit') ? ['devkit'] : [];
}

/**
 * The values of `option` a product name written for it means, best first; empty when the value
 * is not a product name we know (a typo is left to the edit distance).
 */
export function productNameSuggestions(option: string, value: string, values: readonly string[]): string[] {
  if (option.endsWith('.som')) return somFor(value, values).filter((v) => v !== value);
  if (option.endsWith('.carrierBoard')) return carrierBoardFor(value, values).filter((v) => v !== value);
  return [];
}
