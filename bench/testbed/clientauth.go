package testbed

import (
	"crypto/x509"
	"fmt"
	"os"
)

// loadClientCAs reads the CA certificates that verify the clients'
// certificates (Config.ClientCAFile); nil for an empty path. A session
// resumed on a node carries the client chain verified in its full
// handshake, and crypto/tls refuses to resume one whose client
// certificate has expired since.
func loadClientCAs(path string) (*x509.CertPool, error) {
	if path == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("testbed: client CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("testbed: client CA: no PEM certificate in %s", path)
	}
	return pool, nil
}
