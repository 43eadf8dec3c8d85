/**
 * Following a flash on USB: the recovery device leaves, jetpack-nixos's flashing initrd appears as
 * 1d6b:0104, then goes when the board reboots. What was seen explains the script's exit code
 * afterwards (outcome.ts). No `vscode` import.
 */
import { isInRecovery, moduleName, type JetsonDevice } from '../usb/ids';
import type { FlashObservation } from './outcome';

/** Turns successive device lists into what happened to the board being flashed. */
export class UsbFollower {
  private inRecovery = true;
  private gadget = false;

  constructor(
    private readonly device: JetsonDevice,
    private readonly observations: FlashObservation[],
    private readonly progress: (message: string) => void,
  ) {}

  observe(list: readonly JetsonDevice[]): void {
    const target = list.some((d) => isInRecovery(d) && d.port === this.device.port);
    const gadget = list.find((d) => d.kind === 'flashing');
    if (this.inRecovery && (!target || gadget)) {
      this.inRecovery = false;
      this.note('left-recovery', `The ${moduleName(this.device)} left recovery mode and is starting the flashing initrd…`);
    } else if (!this.inRecovery && target) {
      this.inRecovery = true;
      this.note('back-in-recovery', `The ${moduleName(this.device)} is in recovery mode again.`);
    }
    if (gadget && !this.gadget) {
      this.gadget = true;
      this.note('gadget-appeared', `The flashing initrd is up (1d6b:0104 on USB ${gadget.port}): writing the firmware…`);
    } else if (!gadget && this.gadget) {
      this.gadget = false;
      this.note('gadget-gone', 'The flashing device left USB (the board reboots once the firmware is written)…');
    }
    if (list.some((d) => d.kind === 'booted') && this.observations.at(-1) !== 'booted' && !this.inRecovery) {
      this.note('booted', `The ${moduleName(this.device)} booted normally (0955:7020).`);
    }
  }

  private note(observation: FlashObservation, message: string): void {
    this.observations.push(observation);
    this.progress(message);
  }
}
