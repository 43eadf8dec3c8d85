import type { Schema, OptionDecl } from '../../server/src/schema/types';

const JP = 'hardware.nvidia-jetpack';
const soms = ['generic', 'orin-agx', 'orin-nx', 'orin-nano', 'thor-agx', 'xavier-agx'];

function opt(name: string, type: OptionDecl['type'], extra: Partial<OptionDecl> = {}): OptionDecl {
  return { name, type, typeText: '', description: `test option ${name}`, ...extra };
}

/** A small schema of the same shape as the bundled one, so option tests do not depend on its data. */
export const MINI_SCHEMA: Schema = {
  source: { project: 'test', revision: 'test' },
  ownedNamespaces: [JP, 'services.nvpmodel'],
  options: [
    opt(`${JP}.enable`, { kind: 'bool' }),
    opt(`${JP}.som`, { kind: 'enum', values: soms }),
    opt(`${JP}.carrierBoard`, { kind: 'enum', values: ['generic', 'devkit', 'xavierNxDevkit'] }),
    opt(`${JP}.majorVersion`, { kind: 'enum', values: ['5', '6', '7'] }),
    opt(`${JP}.super`, { kind: 'bool' }),
    opt(`${JP}.configureCuda`, { kind: 'bool' }),
    opt(`${JP}.kernel.realtime`, { kind: 'bool' }),
    opt(`${JP}.firmware.autoUpdate`, { kind: 'bool' }),
    opt(`${JP}.firmware.initialBootOrder`, { kind: 'nullOr', of: { kind: 'listOf', of: { kind: 'enum', values: ['nvme', 'usb', 'sd', 'emmc'] } } }),
    opt(`${JP}.firmware.uefi.logo`, { kind: 'nullOr', of: { kind: 'path' } }),
    opt(`${JP}.firmware.uefi.capsuleAuthentication.enable`, { kind: 'bool' }),
    opt(`${JP}.firmware.uefi.capsuleAuthentication.trustedPublicCertPemFile`, { kind: 'nullOr', of: { kind: 'path' } }),
    opt(`${JP}.firmware.uefi.capsuleAuthentication.otherPublicCertPemFile`, { kind: 'nullOr', of: { kind: 'path' } }),
    opt(`${JP}.firmware.uefi.capsuleAuthentication.signerPrivateCertPemFile`, { kind: 'nullOr', of: { kind: 'path' } }),
    opt(`${JP}.firmware.variants`, { kind: 'listOf', of: { kind: 'submodule', options: { boardid: opt('boardid', { kind: 'nullOr', of: { kind: 'str' } }), fab: opt('fab', { kind: 'nullOr', of: { kind: 'str' } }) } } }),
    opt(`${JP}.flashScriptOverrides.initrdFlashCompletionTimeoutSeconds`, { kind: 'ints.positive' }),
    opt(`${JP}.kernel.patches`, { kind: 'listOf', of: { kind: 'anything' } }),
    opt(`${JP}.firmware.secureBoot.extra`, { kind: 'attrsOf', of: { kind: 'anything' } }),
    opt(`${JP}.bootloader.autoUpdate`, { kind: 'bool' }, { renamedTo: `${JP}.firmware.autoUpdate` }),
    opt(`${JP}.flashScript`, { kind: 'package' }, { readOnly: true }),
    opt('services.nvpmodel.enable', { kind: 'bool' }),
    opt('services.nvpmodel.profileNumber', { kind: 'nullOr', of: { kind: 'int' } }),
    opt('nixpkgs.config.cudaCapabilities', { kind: 'listOf', of: { kind: 'str' } }, { project: 'nixpkgs' }),
    opt('nixpkgs.config.allowUnfree', { kind: 'bool' }, { project: 'nixpkgs' }),
  ],
  soms: [
    { som: 'generic', family: 'generic', jetpackVersions: ['5', '6', '7'], defaultJetpack: '6', cudaCapabilities: ['7.2', '8.7'], recoveryUsbIds: [], superEffective: { '5': false, '6': false, '7': false } },
    { som: 'orin-agx', family: 'orin', jetpackVersions: ['5', '6', '7'], defaultJetpack: '6', cudaCapabilities: ['8.7'], flashTarget: 'jetson-agx-orin-devkit', recoveryUsbIds: ['7023', '7223'], superEffective: { '5': false, '6': false, '7': true } },
    { som: 'orin-nx', family: 'orin', jetpackVersions: ['5', '6', '7'], defaultJetpack: '6', cudaCapabilities: ['8.7'], recoveryUsbIds: ['7323', '7423'], superEffective: { '5': true, '6': true, '7': true } },
    { som: 'thor-agx', family: 'thor', jetpackVersions: ['7'], defaultJetpack: '7', cudaCapabilities: ['11.0'], recoveryUsbIds: ['7026'], superEffective: { '7': false } },
    { som: 'xavier-agx', family: 'xavier', jetpackVersions: ['5'], defaultJetpack: '5', cudaCapabilities: ['7.2'], recoveryUsbIds: ['7019'], superEffective: { '5': false } },
  ],
  jetpacks: { '5': { l4t: '35.6', cuda: '11.4', kernel: '5.10' }, '6': { l4t: '36.5', cuda: '12.6', kernel: '5.15' }, '7': { l4t: '39.2', cuda: '13.0', kernel: '6.8' } },
};
