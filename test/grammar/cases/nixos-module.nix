# Runs the rover's ROS 2 launch file as a systemd service.
{ config, lib, pkgs, ... }:

let
  cfg = config.services.rover;
  inherit (lib) mkEnableOption mkIf mkOption types;
in
{
  imports = [ ./camera.nix ];

  options.services.rover = {
    enable = mkEnableOption "the rover ROS 2 stack";

    launchFile = mkOption {
      type = types.str;
      default = "rover_bringup/launch/rover.launch.py";
      description = ''
        Launch file passed to `ros2 launch`, relative to the share directory.
      '';
    };

    domainId = mkOption {
      type = types.ints.between 0 232;
      default = 7;
      description = "ROS_DOMAIN_ID used by every node.";
    };

    cpuGovernor = mkOption {
      type = types.enum [ "performance" "schedutil" ];
      default = "performance";
    };
  };

  config = mkIf cfg.enable {
    assertions = [
      {
        assertion = config.hardware.nvidia-jetpack.enable;
        message = "services.rover needs hardware.nvidia-jetpack.enable = true";
      }
    ];

    hardware.nvidia-jetpack.modesetting.enable = lib.mkDefault true;
    powerManagement.cpuFreqGovernor = cfg.cpuGovernor;

    systemd.services.rover = {
      description = "Rover ROS 2 stack";
      wantedBy = [ "multi-user.target" ];
      after = [ "network-online.target" ];
      wants = [ "network-online.target" ];
      environment.ROS_DOMAIN_ID = toString cfg.domainId;
      serviceConfig = {
        ExecStart = "${pkgs.rosPackages.jazzy.ros2cli}/bin/ros2 launch ${cfg.launchFile}";
        Restart = "on-failure";
        RestartSec = 2.5;
        DeviceAllow = [ "/dev/nvhost-ctrl rw" ];
      };
    };

    environment.systemPackages = with pkgs; [
      (pkgs.jetson-gpio or pkgs.libgpiod)
      (writeShellScriptBin "rover-log" ''
        exec journalctl -u rover -f "$@"
      '')
    ];
  };
}
