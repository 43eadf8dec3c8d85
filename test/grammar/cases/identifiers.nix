let
  nvidia-jetpack = 1;
  x' = 2;
  x'' = 3;
  a-1 = 4;
  _b = 5;
  inlet = 6;
  letter = 7;
  iff = 8;
  rec-foo = 9;
  in-x = 10;
  or-else = 11;
in
[ nvidia-jetpack x' x'' a-1 _b inlet letter iff rec-foo in-x or-else ]
