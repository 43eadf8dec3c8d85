[
  (
    {
      config,
      lib,
      pkgs ? import <nixpkgs> { },
      ...
    }:
    config
  )
  (
    { config
    , lib
    , enable ? false
    , ...
    }@args:
    args
  )
  (
    inputs@{
      self,
      nixpkgs,
      ...
    }:
    inputs
  )
]
