package testbed

// ServeOn is Serve on a given clock, for the tests of key rotation and
// session ages.
var ServeOn = serve
