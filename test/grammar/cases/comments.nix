# A line comment with "quotes", ${not-interpolation} and ./not/a/path
/* A block comment on one line */
/*
 * A block comment
 * over several lines: { [ ( "
 */
/** A documentation comment (RFC 145). */
/**/ /*/*/ /***/ /* ** */
let /* between */ x /* tokens */ = /* everywhere */ 1; # trailing
in
# region Networking
x # a comment right after an expression
# endregion
