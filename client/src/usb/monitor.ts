/**
 * Keeps the list of Jetson-related USB devices fresh by polling sysfs, but only while someone
 * needs it: the Devices view is visible, the status item is shown, or a flash is under way. Each
 * of those holds a "demand"; with none, nothing runs. Listeners hear only real changes. No
 * `vscode` import, so the polling and change detection are tested with plain Node.
 */
import type { JetsonDevice } from './ids';

export interface Disposable {
  dispose(): void;
}

/** A minimal event emitter with VS Code's `event(listener) → Disposable` shape. */
export class Emitter<T> {
  private readonly listeners = new Set<(value: T) => void>();

  readonly event = (listener: (value: T) => void): Disposable => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(value);
      } catch {
        // One failing listener must not starve the others (or stop the polling loop).
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}

export interface DeviceMonitorOptions {
  /** Reads the devices now (sysfs, or a fake in tests). Must not throw; a throw is logged and ignored. */
  scan: () => Promise<JetsonDevice[]>;
  /** Time between two scans while polling; 1 s shows changes within 2 s, as the issue asks. */
  intervalMs?: number;
  log?: (message: string) => void;
}

/** What the flow and the views need from a device source (a DeviceMonitor, or a fake). */
export interface DeviceSource {
  /** The devices as of the last scan. */
  readonly devices: readonly JetsonDevice[];
  /** Scans now and returns the fresh list (listeners are told when it changed). */
  refresh(): Promise<readonly JetsonDevice[]>;
  onDidChange(listener: (devices: readonly JetsonDevice[]) => void): Disposable;
  /** Keeps polling until the returned handle is disposed. */
  demand(reason: string): Disposable;
}

export class DeviceMonitor implements DeviceSource, Disposable {
  private current: readonly JetsonDevice[] = [];
  private signature = '';
  private readonly demands = new Map<symbol, string>();
  private readonly changed = new Emitter<readonly JetsonDevice[]>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** The scan in flight; scans never overlap, a refresh waits for the previous one. */
  private queue: Promise<unknown> = Promise.resolve();
  private disposed = false;
  private readonly intervalMs: number;

  constructor(private readonly options: DeviceMonitorOptions) {
    this.intervalMs = options.intervalMs ?? 1000;
  }

  get devices(): readonly JetsonDevice[] {
    return this.current;
  }

  /** Whether a poll is scheduled (someone holds a demand). */
  get polling(): boolean {
    return this.demands.size > 0 && !this.disposed;
  }

  /** The reasons polling is on, for the log. */
  get reasons(): string[] {
    return [...new Set(this.demands.values())];
  }

  onDidChange(listener: (devices: readonly JetsonDevice[]) => void): Disposable {
    return this.changed.event(listener);
  }

  refresh(): Promise<readonly JetsonDevice[]> {
    const next = this.queue.then(() => this.scanOnce());
    this.queue = next.catch(() => undefined);
    return next;
  }

  demand(reason: string): Disposable {
    const key = Symbol(reason);
    const wasIdle = this.demands.size === 0;
    this.demands.set(key, reason);
    if (wasIdle && !this.disposed) {
      this.options.log?.(`USB polling on (${reason})`);
      this.tick();
    }
    return {
      dispose: () => {
        if (!this.demands.delete(key) || this.demands.size > 0) return;
        this.options.log?.('USB polling off');
        this.stopTimer();
      },
    };
  }

  dispose(): void {
    this.disposed = true;
    this.demands.clear();
    this.stopTimer();
    this.changed.clear();
  }

  /** Scans, then schedules the next scan if anyone still needs it. */
  private tick(): void {
    this.stopTimer();
    void this.refresh().finally(() => {
      if (this.polling && this.timer === undefined) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          if (this.polling) this.tick();
        }, this.intervalMs);
        // Polling alone never keeps a process (a test, or the extension host at shutdown) alive.
        this.timer.unref?.();
      }
    });
  }

  private stopTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async scanOnce(): Promise<readonly JetsonDevice[]> {
    if (this.disposed) return this.current;
    let devices: JetsonDevice[];
    try {
      devices = await this.options.scan();
    } catch (err) {
      this.options.log?.(`USB scan failed: ${err instanceof Error ? err.message : String(err)}`);
      return this.current;
    }
    const signature = devices.map(deviceSignature).join('\n');
    if (signature !== this.signature && !this.disposed) {
      this.signature = signature;
      this.current = devices;
      this.changed.fire(devices);
    }
    return this.current;
  }
}

/** Everything shown about a device: when any of it changes, views must redraw. */
function deviceSignature(device: JetsonDevice): string {
  return [device.port, device.vendorId, device.productId, device.kind, device.busnum, device.devnum, device.serial, device.manufacturer, device.product].join('|');
}
