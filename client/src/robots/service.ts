import * as vscode from 'vscode';
import type { Context } from '../context';
import { readSettings } from '../config';
import { flakeModel } from '../views';
import { workspaceRobots, type RobotEntry } from './list';
import { robotPaths, type RobotPaths } from './paths';
import { readStatus } from './status';
import type { StatusState } from './service-state';
import { SshPool } from './ssh';
import { mapLimit } from '../deploy/fleet';
import { which } from '../system/which';

export type { StatusState } from './service-state';

/**
 * What the Robots section and the deploy commands share: the robot list (settings and flakes),
 * one SSH connection per robot (the pool, renewed when the SSH settings change), the robots'
 * last known status, and the "Jetson Nix Deploy" log. Robots are contacted only in a trusted
 * workspace, and only when the section is open, on Refresh, or for a command.
 */
export class RobotService implements vscode.Disposable {
  readonly log = vscode.window.createOutputChannel('Jetson Nix Deploy', { log: true });
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly statuses = new Map<string, StatusState>();
  private current: SshPool | undefined;
  private readonly disposables: vscode.Disposable[] = [this.log, this.changed];

  constructor(private readonly ctx: Context) {
    this.disposables.push(
      flakeModel(ctx).onDidChange(() => this.changed.fire()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('jetsonNix.deploy.sshConfigFile')) void this.resetPool();
        if (e.affectsConfiguration('jetsonNix.robots')) {
          readSettings(this.log);
          this.changed.fire();
        }
      }),
    );
    // Invalid robot entries are said once here, not at every redraw of the view.
    readSettings(this.log);
  }

  /** The robots of the workspace, as the view lists them. */
  robots(): RobotEntry[] {
    const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    return workspaceRobots(readSettings().robots, flakeModel(this.ctx).flakes, root);
  }

  pool(): SshPool {
    const configFile = readSettings(this.ctx.log)['deploy.sshConfigFile'].trim();
    this.current ??= new SshPool({ ...(configFile ? { configFile: expandHome(configFile) } : {}), connectTimeoutSeconds: 10 });
    return this.current;
  }

  paths(): RobotPaths {
    return robotPaths();
  }

  status(id: string): StatusState | undefined {
    return this.statuses.get(id);
  }

  setWorkspaceCheck(id: string, runsWorkspace: boolean | 'unknown'): void {
    const s = this.statuses.get(id);
    if (s?.state === 'ok') {
      this.statuses.set(id, { ...s, runsWorkspace });
      this.changed.fire();
    }
  }

  /** Reads the status of the given robots (all by default), `jetsonNix.deploy.parallel` at a time. */
  async refresh(robots: RobotEntry[] = this.robots()): Promise<void> {
    if (!vscode.workspace.isTrusted) return;
    const reachable = robots.filter((r) => r.address && !r.problem);
    if (reachable.length === 0) return;
    for (const r of reachable) this.statuses.set(r.id, { state: 'checking' });
    this.changed.fire();
    const pool = this.pool();
    await mapLimit(reachable, readSettings(this.ctx.log)['deploy.parallel'], async (robot) => {
      const result = await readStatus(pool.session(robot.address!), this.paths());
      this.statuses.set(robot.id, result.ok ? { state: 'ok', status: result.status, at: new Date() } : { state: 'failed', failure: result.failure, at: new Date() });
      if (!result.ok) this.log.info(`Status of ${robot.name}: ${result.failure.message}`);
      this.changed.fire();
    });
  }

  /** Reads the status of robots listed since the last refresh (a flake read later, a setting added). */
  refreshNew(): Promise<void> {
    return this.refresh(this.robots().filter((r) => !this.statuses.has(r.id)));
  }

  private async resetPool(): Promise<void> {
    const old = this.current;
    this.current = undefined;
    await old?.dispose();
  }

  dispose(): void {
    void this.resetPool();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

/** `~/x` → the home folder's `x` (settings are written the way a shell user writes paths). */
export function expandHome(file: string): string {
  return file === '~' || file.startsWith('~/') ? `${process.env.HOME ?? ''}${file.slice(1)}` : file;
}

/** Where a program is, outside the workspace's folders (a cloned repository's `bin/ssh` must not run). */
export function programPath(name: string): string | undefined {
  return which(name, { exclude: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath) });
}

const services = new WeakMap<Context, RobotService>();

/** The one robot service of an extension context. */
export function robotService(ctx: Context): RobotService {
  let service = services.get(ctx);
  if (!service) {
    service = new RobotService(ctx);
    services.set(ctx, service);
    ctx.track(service);
  }
  return service;
}
