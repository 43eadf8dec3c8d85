# The deprecated `let { … }` form: a recursive set whose `body` attribute is the value.
let {
  x = 1;
  body = x;
}
