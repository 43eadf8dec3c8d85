/**
 * Names a robot, a configuration or a path may carry that mean something to a shell: quotes,
 * substitutions, globs, separators, redirections, new lines, options, non-ASCII. Every text that
 * reaches a robot's shell is tested with them (a remote sshd always runs a shell).
 */
export const HOSTILE_NAMES: readonly string[] = [
  '',
  ' ',
  "robot's",
  'robot"1',
  '$(touch /tmp/jetson-nix-pwned)',
  '`id`',
  '${HOME}',
  '$HOME',
  'a;b',
  'a && b',
  'a | b',
  'a > /tmp/x',
  '*',
  '~root',
  'line\nbreak',
  'tab\there',
  '-rf',
  '--',
  '\\',
  "'\\''",
  '"\'"',
  '!event',
  '#comment',
  'robot-ø-日本',
  'a\rb',
];
