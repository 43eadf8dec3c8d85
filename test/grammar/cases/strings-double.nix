[
  "plain"
  ""
  "escapes: \n \t \r \" \\ \$ \q"
  "an escaped interpolation: \${not-interpolated}"
  "interpolation ${x} and ${ y + "nested" } done"
  "dollars: $${literal} $$$${literal} $$${interpolated} $ {no} $"
  "spans
  two lines ${x}"
  "ends with a backslash \\"
]
