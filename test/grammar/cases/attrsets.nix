{
  hardware.nvidia-jetpack.som = "orin-agx";
  hardware.nvidia-jetpack.carrierBoard = "devkit";
  "quoted name" = 1;
  "with ${x}".y = 2;
  ${dynamic} = 3;
  a.b."c-d".e = 4;
  nested = { inner = { deep = true; }; };
  empty = { };
  x' = 5;
  services.nvidia-jetpack-foo_bar.enable = true;
  true = false;
  list = [ 1 "two" ./three { four = 4; } [ 5 ] ];
  multi =
    "on the next line";
  recursive = rec {
    a = 1;
    b = a;
  };
}
