package bench

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"path/filepath"

	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios"
)

// Mutual TLS (tls.client_cert): every client presents one certificate,
// a throwaway one from a client CA of its own (EnsureClientCert) or the
// user's, and the servers bench starts require and verify it against that
// CA. The certificate and key are loaded once, in the resolution of a
// run, and handed to the generator (loadgen.Config.ClientCertificate);
// the servers are given the CA file's path. Private keys are written 0600
// and never to results or logs.

// clientLeaf is the throwaway client certificate: for client
// authentication only, named after no host.
var clientLeaf = leafKind{ca: "tlsbench throwaway client CA", name: "tlsbench client", usage: x509.ExtKeyUsageClientAuth}

// EnsureClientCert returns the throwaway client chain for key under dir
// (dir/client-<key>/, as absolute paths): a client CA, which the servers
// trust, and a client certificate signed by it (ExtKeyUsageClientAuth),
// created if they are missing, unreadable or expire within a day. It is
// the server chain's twin (EnsureCerts), with a CA of its own, as mutual
// TLS deployments keep their client CA apart from their server CA.
func EnsureClientCert(dir string, key scenarios.KeyType) (CertSet, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return CertSet{}, fmt.Errorf("bench: client certificate: %w", err)
	}
	d := filepath.Join(abs, "client-"+string(key))
	set := CertSet{
		CAFile:   filepath.Join(d, "ca.pem"),
		CertFile: filepath.Join(d, "client.pem"),
		KeyFile:  filepath.Join(d, "client.key"),
	}
	if err := ensureChain(d, set, key, clientLeaf, 0); err != nil {
		return CertSet{}, fmt.Errorf("bench: client certificate for %s: %w", key, err)
	}
	return set, nil
}

// clientAuth is a run's client certificate, resolved.
type clientAuth struct {
	// cert is what every client presents.
	cert tls.Certificate
	// caFile verifies it on the servers bench starts; empty for a remote
	// target, which verifies with its own.
	caFile string
	// describe says in words what the clients present, for the result.
	describe string
}

// resolveClientCert loads sc's client certificate, making a throwaway
// one under certDir when the scenario names no files, and sets the key
// type of a user's certificate in sc. It returns nil without
// tls.client_cert.
func resolveClientCert(sc *scenarios.Scenario, certDir string) (*clientAuth, []results.Warning, error) {
	cc := sc.TLS.ClientCert
	if cc == nil {
		return nil, nil, nil
	}
	var (
		set   CertSet
		warns []results.Warning
		err   error
		a     = &clientAuth{}
	)
	if cc.CertFile == "" {
		if set, err = EnsureClientCert(certDir, cc.Key); err != nil {
			return nil, nil, err
		}
		a.describe = fmt.Sprintf("every client presents a throwaway %s client certificate from tlsbench's client CA (%s)", cc.Key, set.CAFile)
	} else {
		set = CertSet{CertFile: cc.CertFile, KeyFile: cc.KeyFile, CAFile: cc.CAFile}
		_, key, w, err := userCert(set, "tls.client_cert.cert_file/key_file")
		if err != nil {
			return nil, nil, err
		}
		if cc.Key != "" && cc.Key != key {
			return nil, nil, fmt.Errorf("bench: tls.client_cert.key is %s but %s holds a %s key", cc.Key, cc.CertFile, key)
		}
		cc.Key, warns = key, w
		a.describe = fmt.Sprintf("every client presents the %s client certificate %s", key, cc.CertFile)
	}
	if a.cert, err = tls.LoadX509KeyPair(set.CertFile, set.KeyFile); err != nil {
		return nil, nil, fmt.Errorf("bench: tls.client_cert: %w", err)
	}
	if sc.Target.Embedded() {
		// Absolute: real servers run in directories of their own.
		if a.caFile, err = filepath.Abs(set.CAFile); err != nil {
			return nil, nil, fmt.Errorf("bench: tls.client_cert.ca_file: %w", err)
		}
		a.describe += "; the servers require it and verify it against that CA"
	} else {
		a.describe += "; the remote server decides whether it asks for it and how it verifies it"
	}
	return a, warns, nil
}
