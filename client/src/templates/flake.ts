/**
 * The files of a new Jetson robot project, generated from the wizard's answers: flake.nix (a
 * NixOS configuration for the Jetson, its flash script, a ROS 2 dev shell), a README with the
 * flashing steps, and a .gitignore. Every combination the wizard offers passes our own checks
 * with no finding and parses with `nix-instantiate --parse` (test/unit/new-project.test.ts).
 */
import { jetpackDetail, somChoice } from './choices';

export interface ProjectOptions {
  /** The configuration's name and the machine's host name. */
  hostname: string;
  som: string;
  carrierBoard: string;
  /** JetPack major version, "5", "6" or "7". */
  jetpack: string;
  /** ROS 2 distribution: "jazzy", "humble"… */
  rosDistro: string;
  cuda: boolean;
}

/** Whether the configuration has a flash script (a generic SoM has no flash target). */
export function hasFlashScript(o: ProjectOptions): boolean {
  return o.som !== 'generic';
}

function capitalized(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

function cudaLines(o: ProjectOptions): string[] {
  if (!o.cuda) return [];
  const caps = somChoice(o.som)?.cudaCapabilities.join(', ') ?? '';
  return [
    '',
    `            # CUDA: jetpack-nixos builds nixpkgs with CUDA for this module's GPU (capability ${caps})`,
    '            # when graphics are on; NVIDIA\'s CUDA libraries are unfree.',
    '            hardware.graphics.enable = true;',
    '            nixpkgs.config.allowUnfree = true;',
  ];
}

/** The module of the robot's NixOS configuration. */
function robotModule(o: ProjectOptions): string[] {
  const ros = `p.${['ros2cli', 'ros2run', 'demo-nodes-cpp'].join(' p.')}`;
  return [
    '          {',
    '            nixpkgs.hostPlatform = "aarch64-linux";',
    '            nixpkgs.overlays = [ nix-ros-overlay.overlays.default ];',
    `            networking.hostName = "${o.hostname}";`,
    '',
    '            hardware.nvidia-jetpack = {',
    '              enable = true;',
    `              som = "${o.som}";`,
    `              carrierBoard = "${o.carrierBoard}";`,
    `              majorVersion = "${o.jetpack}";`,
    '            };',
    ...cudaLines(o),
    '',
    '            services.ros2 = {',
    '              enable = true;',
    `              distro = "${o.rosDistro}";`,
    `              systemPackages = p: [ ${ros} ];`,
    '            };',
    '',
    '            # jetpack-nixos boots through UEFI. Adjust the file systems to your disk',
    '            # (`nixos-generate-config --show-hardware-config` on the Jetson prints them),',
    '            # and add your user with an SSH key.',
    '            boot.loader.systemd-boot.enable = true;',
    '            boot.loader.efi.canTouchEfiVariables = true;',
    '            fileSystems."/" = {',
    '              device = "/dev/disk/by-label/nixos";',
    '              fsType = "ext4";',
    '            };',
    '            fileSystems."/boot" = {',
    '              device = "/dev/disk/by-label/ESP";',
    '              fsType = "vfat";',
    '            };',
    '',
    '            system.stateVersion = "25.11";',
    '          }',
  ];
}

/** flake.nix of a new project. */
export function flakeNix(o: ProjectOptions): string {
  const som = somChoice(o.som);
  const flash = hasFlashScript(o);
  const distro = o.rosDistro;
  const lines = [
    '{',
    `  description = "${o.hostname}: NixOS on a ${som?.title ?? o.som} (JetPack ${o.jetpack}) with ROS 2 ${capitalized(distro)}";`,
    '',
    '  inputs = {',
    '    nix-ros-overlay.url = "github:lopsided98/nix-ros-overlay/master";',
    "    # ROS 2 packages come from nix-ros-overlay's binary cache only when they are built with",
    '    # its nixpkgs, so this flake uses that one.',
    '    nixpkgs.follows = "nix-ros-overlay/nixpkgs";',
    '    jetpack-nixos = {',
    '      url = "github:anduril/jetpack-nixos";',
    '      inputs.nixpkgs.follows = "nixpkgs";',
    '    };',
    '  };',
    '',
    `  outputs = { ${flash ? 'self, ' : ''}nixpkgs, jetpack-nixos, nix-ros-overlay, ... }:`,
    '    let',
    '      # Where you develop: a PC (x86_64) or the Jetson itself (aarch64).',
    '      devSystems = [ "x86_64-linux" "aarch64-linux" ];',
    '      forEachDevSystem = f: nixpkgs.lib.genAttrs devSystems (system: f (import nixpkgs {',
    '        inherit system;',
    '        overlays = [ nix-ros-overlay.overlays.default ];',
    '      }));',
    '    in',
    '    {',
    `      nixosConfigurations.${o.hostname} = nixpkgs.lib.nixosSystem {`,
    '        modules = [',
    '          jetpack-nixos.nixosModules.default',
    '          nix-ros-overlay.nixosModules.default',
    ...robotModule(o),
    '        ];',
    '      };',
    '',
    ...(flash
      ? [
          "      # Flashes the module's firmware from an x86_64 Linux machine (see README.md).",
          `      packages.x86_64-linux.flash-${o.hostname} = self.nixosConfigurations.${o.hostname}.config.system.build.flashScript;`,
          '',
        ]
      : []),
    `      # \`nix develop\`: colcon and ROS 2 ${capitalized(distro)}, on your PC or on the Jetson.`,
    '      devShells = forEachDevSystem (pkgs: {',
    '        default = pkgs.mkShell {',
    `          name = "ros2-${distro}";`,
    '          packages = [',
    '            pkgs.colcon',
    `            (pkgs.rosPackages.${distro}.buildEnv {`,
    '              paths = [',
    `                pkgs.rosPackages.${distro}.ros-core`,
    `                pkgs.rosPackages.${distro}.demo-nodes-cpp`,
    '              ];',
    '            })',
    '          ];',
    '        };',
    '      });',
    '    };',
    '}',
    '',
  ];
  return lines.join('\n');
}

/** The installer image jetpack-nixos builds for a JetPack version. */
function installerImage(jetpack: string): string {
  return jetpack === '6' ? 'iso_minimal' : `iso_minimal_jp${jetpack}`;
}

/** README.md of a new project: what is in it, and how to flash and install the Jetson. */
export function readme(o: ProjectOptions): string {
  const som = somChoice(o.som);
  const detail = jetpackDetail(o.jetpack);
  const flashing = hasFlashScript(o)
    ? [
        '## Flash the firmware',
        '',
        "NVIDIA's flashing tools run on **x86_64 Linux** only.",
        '',
        '1. Put the Jetson in recovery mode: power it on, hold **Force Recovery**, press **Reset**, then',
        '   release both. Connect its flashing USB-C port to this machine (`lsusb` shows NVIDIA, `0955:7…`).',
        `2. Build the flash script: \`nix build .#flash-${o.hostname}\``,
        '3. Run it as root. Its name depends on the module and board, so list it first:',
        '',
        '   ```sh',
        '   ls result/bin',
        `   sudo ./result/bin/initrd-flash-${o.som}-${o.carrierBoard}`,
        '   ```',
        '',
        '   It writes the firmware (QSPI) only, never the disk, and ends with "Flashing platform',
        '   firmware successful". Exit code 2 means the Jetson never showed up over USB: check the',
        '   cable (not a charge-only one) and that the board really is in recovery mode.',
        '',
        'In VS Code, the **Jetson** view lists the flash script under Packages with a Flash action.',
        '',
      ]
    : [
        '## Flash the firmware',
        '',
        '`som = "generic"` has no flash target: set `hardware.nvidia-jetpack.som` to your module in',
        '`flake.nix` to get a flash script.',
        '',
      ];
  return [
    `# ${o.hostname}`,
    '',
    `NixOS for a ${som?.title ?? o.som} on ${o.carrierBoard === 'devkit' ? "NVIDIA's developer kit" : `the \`${o.carrierBoard}\` carrier board`}, with`,
    `JetPack ${o.jetpack}${detail ? ` (${detail})` : ''} from [jetpack-nixos](https://github.com/anduril/jetpack-nixos) and`,
    `ROS 2 ${capitalized(o.rosDistro)} from [nix-ros-overlay](https://github.com/lopsided98/nix-ros-overlay)${o.cuda ? ', CUDA on' : ''}.`,
    '',
    '## First steps',
    '',
    '```sh',
    'nix flake lock      # fetches the inputs and writes flake.lock (commit it)',
    'nix develop         # a shell with colcon and ROS 2',
    '```',
    '',
    "Nix only sees files tracked by git: `git add` new files before building.",
    '',
    ...flashing,
    '## Install NixOS',
    '',
    `1. Build the installer for JetPack ${o.jetpack}: \`nix build github:anduril/jetpack-nixos#${installerImage(o.jetpack)}\`,`,
    '   write `result/iso/*.iso` to a USB stick and boot the Jetson from it (on Orin the console is',
    '   on the serial port, not HDMI).',
    `2. Partition the disk (labels \`nixos\` and \`ESP\`, as in \`flake.nix\`), then: \`nixos-install --flake .#${o.hostname}\``,
    '',
    'Later changes: `nixos-rebuild switch --flake .#' + o.hostname + '` on the Jetson. To build the system on',
    'an x86_64 machine instead, let it run aarch64 programs: `boot.binfmt.emulatedSystems = [ "aarch64-linux" ];`',
    "in that machine's configuration.",
    '',
  ].join('\n');
}

/** .gitignore of a new project: build results and direnv's cache. */
export function gitignore(): string {
  return ['result', 'result-*', '.direnv/', ''].join('\n');
}
