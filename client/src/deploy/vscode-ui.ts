import * as vscode from 'vscode';
import { describeProgress, formatBytes, type BuildProgress } from '../nix/progress';
import { describeAddress } from '../robots/ssh';
import { programPath } from '../robots/service';
import type { RollbackPlan, RollbackUi } from './rollback';
import type { Generation } from '../robots/status';
import type { CopyProgress } from './nix-remote';
import { formatSize } from './closure-diff';
import { STAGE_TITLES, type DeployPlan, type DeployQuestion, type DeployStage, type DeployUi } from './types';

/**
 * The deploy's questions and progress in VS Code: one cancellable progress notification whose
 * line says the robot, the stage and how far it is (build counts, copied paths and bytes, the
 * seconds before the robot rolls back), modal dialogs for warnings and for the confirmation that
 * names each robot, its configuration and what changes, and terminals where sudo asks for a
 * password (the extension never sees it).
 */
export class VscodeDeployUi implements DeployUi, RollbackUi {
  private progress: vscode.Progress<{ message?: string }> | undefined;
  private readonly lines = new Map<string, string>();

  constructor(private readonly log: vscode.LogOutputChannel) {}

  /** Where progress goes (the notification of the running command). */
  attach(progress: vscode.Progress<{ message?: string }>): void {
    this.progress = progress;
  }

  private show(robot: string, text: string): void {
    this.lines.set(robot, text);
    const message = this.lines.size === 1 ? text : `${robot}: ${text} (${this.lines.size} robots)`;
    this.progress?.report({ message });
  }

  stage(robot: string, stage: DeployStage, message: string): void {
    this.show(robot, `${STAGE_TITLES[stage]}: ${message}`);
  }

  buildProgress(robot: string, p: BuildProgress): void {
    this.show(robot, `Build: ${describeProgress(p)}`);
  }

  copyProgress(robot: string, p: CopyProgress): void {
    const paths = p.pathsTotal > 0 ? `${p.pathsDone}/${p.pathsTotal} paths` : `${p.pathsDone} paths`;
    this.show(robot, `Copy: ${paths}${p.bytesTotal > 0 ? ` · ${formatBytes(p.bytesDone, p.bytesTotal)}` : ''}`);
  }

  countdown(robot: string, secondsLeft: number | undefined, message: string): void {
    this.show(robot, `Activate: ${message}${secondsLeft !== undefined && !/rolls back in/.test(message) ? ` (${secondsLeft} s left)` : ''}`);
  }

  async ask(q: DeployQuestion): Promise<boolean> {
    this.log.warn(`[${q.robot}] ${q.message}`);
    const choice = await vscode.window.showWarningMessage(q.message, { modal: true }, q.proceed);
    return choice === q.proceed;
  }

  async confirm(plans: DeployPlan[]): Promise<boolean> {
    const first = plans[0]!;
    const action = first.status.privilege === 'sudo-password' ? ' (sudo will ask for your password in a terminal)' : '';
    const message =
      plans.length === 1
        ? `Deploy ${first.target.configuration} to ${first.target.robot.name} (${describeAddress(first.target.robot)})?`
        : `Deploy to ${plans.length} robots: ${plans.map((p) => `${p.target.robot.name} (${p.target.configuration})`).join(', ')}?`;
    const detail = plans.map((p) => planText(p, plans.length > 1)).join('\n\n') + action;
    this.log.info(`Asking to confirm: ${message}\n${detail}`);
    const button = plans.length === 1 ? 'Deploy' : `Deploy to ${plans.length} Robots`;
    return (await vscode.window.showWarningMessage(message, { modal: true, detail }, button)) === button;
  }

  runInTerminal(title: string, sshArgs: string[]): Promise<void> {
    const terminal = vscode.window.createTerminal({ name: title, shellPath: programPath('ssh') ?? 'ssh', shellArgs: sshArgs, iconPath: new vscode.ThemeIcon('key'), isTransient: true });
    terminal.show(false);
    return new Promise((resolve) => {
      const sub = vscode.window.onDidCloseTerminal((closed) => {
        if (closed !== terminal) return;
        sub.dispose();
        resolve();
      });
    });
  }

  async pick(robot: string, generations: Generation[], current: number, suggested: Generation): Promise<Generation | undefined> {
    const items = generations.map((g) => ({
      label: `Generation ${g.number}`,
      description: [g.number === current ? 'current' : undefined, g.number === suggested.number ? 'previous' : undefined, g.date?.toLocaleString()].filter(Boolean).join(' · '),
      detail: g.system,
      generation: g,
    }));
    const picked = await vscode.window.showQuickPick(items, { title: `Roll ${robot} back to…`, placeHolder: `${robot} runs generation ${current}` });
    return picked?.generation;
  }

  async confirmRollback(plan: RollbackPlan): Promise<boolean> {
    const message = `Roll ${plan.robot.name} back from generation ${plan.from.number} to ${plan.to.number}?`;
    const detail = `${plan.changeSummary}\nActivates with switch; the robot returns to generation ${plan.from.number} by itself unless a new SSH connection confirms.`;
    return (await vscode.window.showWarningMessage(message, { modal: true, detail }, 'Roll Back')) === 'Roll Back';
  }
}

/** The confirmation's lines for one robot. */
export function planText(p: DeployPlan, named: boolean): string {
  const head = named ? `${p.target.robot.name} ← ${p.target.configuration}: ` : '';
  const copy = p.place === 'robot' ? 'built on the robot, nothing to copy' : `copies about ${formatSize(p.copyBytes).slice(1)}`;
  return `${head}${p.changeSummary} It ${copy}, then activates it; the robot rolls back by itself unless a new SSH connection confirms.`;
}
