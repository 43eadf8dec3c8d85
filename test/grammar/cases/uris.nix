[
  https://example.org/x.tar.gz
  http://example.org:8080/a?b=c&d=e
  github:owner/repo
  github:lopsided98/nix-ros-overlay/master
  git+ssh://git@github.com/owner/repo.git
  mailto:root@example.org
]
