/**
 * What the flash command was invoked on: a device of the Devices view, a configuration or package
 * of the Jetson view (`buildTarget`), or a finished build (`{ outPath, installable, flakeDir }`).
 * Anything else (the command palette passes nothing) means "ask". No `vscode` import.
 */
import { isFlashInstallable } from '../nix/build';
import type { FlashTarget } from './candidates';

export interface FlashArgument {
  devicePort?: string;
  target?: FlashTarget;
  /** A flash script already built for `target`. */
  outPath?: string;
}

export function parseFlashArgument(arg: unknown): FlashArgument {
  if (!isRecord(arg)) return {};
  if (isRecord(arg.device) && typeof arg.device.port === 'string') return { devicePort: arg.device.port };
  if (isRecord(arg.buildTarget)) {
    const target = asTarget(arg.buildTarget);
    return target ? { target } : {};
  }
  if (typeof arg.outPath === 'string') {
    const target = asTarget({ ...arg, label: typeof arg.label === 'string' ? arg.label : arg.installable });
    if (!target) return {};
    // A build of something else (a system toplevel) is not a flash script: build the flash script instead.
    return isFlashInstallable(target.installable) ? { target, outPath: arg.outPath } : { target };
  }
  return {};
}

function asTarget(value: Record<string, unknown>): FlashTarget | undefined {
  const { flakeDir, installable, label } = value;
  if (typeof flakeDir !== 'string' || typeof installable !== 'string') return undefined;
  return { flakeDir, installable, label: typeof label === 'string' ? label : installable };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
