[
  (x: x)  # a function
  (x:x)   # a URI: no space after the colon
  (x : x) # a function
  (x:(x)) # a function: "(" cannot be part of a URI
  (x: y: x + y)
  (x:
    x)
]
