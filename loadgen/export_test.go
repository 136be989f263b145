package loadgen

// The certificate makers, for the external tests.
var (
	NewTestCert   = newTestCert
	ValidTestCert = validTestCert
)
