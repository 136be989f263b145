package loadgen

// The certificate makers and the loopback server, for the external tests.
var (
	NewTestCert   = newTestCert
	ValidTestCert = validTestCert
	Serve         = serve
)
