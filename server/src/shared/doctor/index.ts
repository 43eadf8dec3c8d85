/**
 * The build doctor: what this machine's Nix can build, what each output of a flake needs, the
 * fixes that fit this host, and the binary-cache traps. Pure functions plus one collector that runs
 * programs through an injected runner, so the CLI (`jetson-nix doctor`, plain Node) and the
 * extension (execa, cancellable) share every judgement. No server internals, no `vscode`.
 */
export * from './binfmt';
export * from './builder-setup';
export * from './caches';
export * from './capability';
export * from './collect';
export * from './facts';
export * from './fixes';
export * from './host';
export * from './machines';
export * from './nix-settings';
export * from './platform-error';
export * from './render';
export * from './report';
export * from './runner';
export * from './shell';
export * from './systems';
export * from './targets';
