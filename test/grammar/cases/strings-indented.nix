[
  ''
    plain text with 'single quotes' and "double quotes" and a lone '
    ''${not-interpolated}
    ''$ and ''' and ''\n ''\t ''\r ''\x
    ${interpolated} $${literal} $$${interpolated}
    text ending in an escaped pair: '''
  ''
  ''one line''
  ''''
  '''''$''
  ''it's "${name}"''
  ''${x} starts with an interpolation''
  ''$''
  ''ends with a dollar $''
]
