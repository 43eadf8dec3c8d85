{
  description = "Warehouse rover: Jetson Orin AGX running ROS 2 Jazzy";

  inputs = {
    nix-ros-overlay.url = "github:lopsided98/nix-ros-overlay/master";
    nixpkgs.follows = "nix-ros-overlay/nixpkgs"; # use the nixpkgs the ROS cache is built from
    jetpack-nixos = {
      url = "github:anduril/jetpack-nixos";
      inputs.nixpkgs.follows = "nixpkgs";
    };
  };

  nixConfig = {
    extra-substituters = [ "https://ros.cachix.org" ];
    extra-trusted-public-keys = [ "ros.cachix.org-1:dSyZxI8geDCJrwgvCOHDoAfOm5sV1wCPjBkKL+38Rvo=" ];
  };

  outputs =
    { self, nixpkgs, jetpack-nixos, nix-ros-overlay, ... }@inputs:
    let
      system = "aarch64-linux";
      pkgs = import nixpkgs {
        inherit system;
        overlays = [ nix-ros-overlay.overlays.default ];
        config.allowUnfree = true; # the L4T firmware is unfree
      };
      rosDistro = "jazzy";
    in
    {
      nixosConfigurations.rover = nixpkgs.lib.nixosSystem {
        inherit system;
        specialArgs = { inherit inputs; };
        modules = [
          jetpack-nixos.nixosModules.default
          nix-ros-overlay.nixosModules.default
          ./configuration.nix
          ./hosts/${rosDistro}.nix
          {
            hardware.nvidia-jetpack = {
              enable = true;
              som = "orin-agx";
              carrierBoard = "devkit";
              modesetting.enable = true;
            };
            services.ros2 = {
              enable = true;
              distro = rosDistro;
            };
            networking.hostName = "rover-${toString 1}";
            system.stateVersion = "24.11";
          }
        ];
      };

      devShells.${system}.default = pkgs.mkShell {
        name = "ros2-${rosDistro}";
        packages = [
          pkgs.colcon
          (with pkgs.rosPackages.${rosDistro}; buildEnv {
            paths = [
              ros-core
              rclcpp
              nav2-bringup
            ];
          })
        ];
        shellHook = ''
          export ROS_DOMAIN_ID=''${ROS_DOMAIN_ID:-7}
          echo "ROS ${rosDistro} shell for ${self.nixosConfigurations.rover.config.networking.hostName}"
        '';
      };
    };
}
