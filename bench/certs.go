package bench

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios"
)

// ServerName is the name in every testbed certificate and the SNI name the
// generator sends to the embedded testbed.
const ServerName = "tlsbench.test"

// certLifetime is how long generated certificates are valid; they are
// regenerated when less than a day remains.
const certLifetime = 30 * 24 * time.Hour

// CertSet is the files of one key type's throwaway chain: a CA and a leaf
// for ServerName signed by it, or through intermediate CAs (EnsureChain).
type CertSet struct {
	// CAFile is the CA certificate (PEM), which clients trust.
	CAFile string
	// CertFile is the leaf certificate followed by the intermediates, the
	// nearest first, and the CA (PEM): the chain the servers send.
	CertFile string
	// KeyFile is the leaf's private key (PEM, mode 0600).
	KeyFile string
}

// EnsureCerts returns the chain for key under dir (dir/<key>/, as absolute
// paths), creating a
// throwaway CA and leaf if they are missing, unreadable or expire within a
// day. The directory is created 0700 and key files 0600. Private keys are
// written only there: never to results or logs.
func EnsureCerts(dir string, key scenarios.KeyType) (CertSet, error) {
	return EnsureChain(dir, key, 0)
}

// EnsureChain is EnsureCerts for a chain with intermediates intermediate
// CAs between the CA and the leaf (tls.chain.intermediates), every one of
// key's type, kept under dir/<key>-<intermediates>i/ (dir/<key>/ for
// none, EnsureCerts's chain).
func EnsureChain(dir string, key scenarios.KeyType, intermediates int) (CertSet, error) {
	// Absolute paths: real servers run in directories of their own.
	abs, err := filepath.Abs(dir)
	if err != nil {
		return CertSet{}, fmt.Errorf("bench: certificates: %w", err)
	}
	d := filepath.Join(abs, string(key))
	if intermediates > 0 {
		d += fmt.Sprintf("-%di", intermediates)
	}
	set := CertSet{
		CAFile:   filepath.Join(d, "ca.pem"),
		CertFile: filepath.Join(d, "leaf.pem"),
		KeyFile:  filepath.Join(d, "leaf.key"),
	}
	if err := ensureChain(d, set, key, serverLeaf, intermediates); err != nil {
		return CertSet{}, fmt.Errorf("bench: certificates for %s: %w", key, err)
	}
	return set, nil
}

// ensureChain makes set's chain of kind, with intermediates intermediate
// CAs, in directory d (0700) unless its files are fresh.
func ensureChain(d string, set CertSet, key scenarios.KeyType, kind leafKind, intermediates int) error {
	if fresh(set, intermediates+2) {
		return nil
	}
	if err := os.MkdirAll(d, 0o700); err != nil {
		return err
	}
	return makeChain(set, key, kind, intermediates)
}

// leafKind is what a throwaway chain is for: its CA's name, the leaf's
// names and its extended key usage.
type leafKind struct {
	ca       string
	name     string
	dnsNames []string
	usage    x509.ExtKeyUsage
}

// serverLeaf is the testbed's server certificate, for ServerName.
var serverLeaf = leafKind{ca: "tlsbench throwaway CA", name: ServerName, dnsNames: []string{ServerName, "localhost"}, usage: x509.ExtKeyUsageServerAuth}

// fresh reports whether set's files exist, parse, hold a chain of certs
// certificates and stay valid for a day.
func fresh(set CertSet, certs int) bool {
	for _, f := range []string{set.CAFile, set.KeyFile} {
		if _, err := os.Stat(f); err != nil {
			return false
		}
	}
	data, err := os.ReadFile(set.CertFile)
	if err != nil {
		return false
	}
	b, rest := pem.Decode(data)
	if b == nil {
		return false
	}
	n := 1
	for p, r := pem.Decode(rest); p != nil; p, r = pem.Decode(r) {
		n++
	}
	c, err := x509.ParseCertificate(b.Bytes)
	return err == nil && n == certs && time.Until(c.NotAfter) > 24*time.Hour
}

func newKey(key scenarios.KeyType) (crypto.Signer, error) {
	switch key {
	case scenarios.RSA2048:
		return rsa.GenerateKey(rand.Reader, 2048)
	case scenarios.RSA4096:
		return rsa.GenerateKey(rand.Reader, 4096)
	case scenarios.ECDSAP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case scenarios.Ed25519:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	}
	return nil, fmt.Errorf("unknown key type %q", key)
}

func makeChain(set CertSet, key scenarios.KeyType, kind leafKind, intermediates int) error {
	caKey, err := newKey(key)
	if err != nil {
		return err
	}
	leafKey, err := newKey(key)
	if err != nil {
		return err
	}
	now := time.Now().Add(-time.Hour)
	serial := func() *big.Int {
		n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
		return n
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: kind.ca + " (" + string(key) + ")"},
		NotBefore:             now,
		NotAfter:              now.Add(certLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            intermediates,
		MaxPathLenZero:        intermediates == 0,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		return err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return err
	}
	// Intermediates, each signed by the one above it; the nearest to the
	// leaf is served first.
	issuer, issuerKey := ca, caKey
	var middle [][]byte
	for i := intermediates; i >= 1; i-- {
		k, err := newKey(key)
		if err != nil {
			return err
		}
		tmpl := &x509.Certificate{
			SerialNumber:          serial(),
			Subject:               pkix.Name{CommonName: fmt.Sprintf("tlsbench throwaway intermediate CA %d (%s)", i, key)},
			NotBefore:             now,
			NotAfter:              now.Add(certLifetime),
			KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
			BasicConstraintsValid: true,
			IsCA:                  true,
			MaxPathLen:            i - 1,
			MaxPathLenZero:        i == 1,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, issuer, k.Public(), issuerKey)
		if err != nil {
			return err
		}
		if issuer, err = x509.ParseCertificate(der); err != nil {
			return err
		}
		issuerKey = k
		middle = append([][]byte{der}, middle...)
	}
	usage := x509.KeyUsageDigitalSignature
	if (key == scenarios.RSA2048 || key == scenarios.RSA4096) && kind.usage == x509.ExtKeyUsageServerAuth {
		usage |= x509.KeyUsageKeyEncipherment
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: kind.name},
		DNSNames:     kind.dnsNames,
		NotBefore:    now,
		NotAfter:     now.Add(certLifetime),
		KeyUsage:     usage,
		ExtKeyUsage:  []x509.ExtKeyUsage{kind.usage},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, issuer, leafKey.Public(), issuerKey)
	if err != nil {
		return err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(leafKey)
	if err != nil {
		return err
	}
	chain := pemBlock("CERTIFICATE", leafDER)
	for _, der := range middle {
		chain = append(chain, pemBlock("CERTIFICATE", der)...)
	}
	chain = append(chain, pemBlock("CERTIFICATE", caDER)...)
	// The key first, so that a leaf never exists without its key.
	return errors.Join(
		writeFile(set.KeyFile, pemBlock("PRIVATE KEY", keyDER), 0o600),
		writeFile(set.CAFile, pemBlock("CERTIFICATE", caDER), 0o644),
		writeFile(set.CertFile, chain, 0o644),
	)
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

// writeFile writes data to path through a temporary file created with mode
// perm from the start, so that a key is never readable by others, even
// briefly.
func writeFile(path string, data []byte, perm os.FileMode) error {
	tmp := path + ".tmp"
	os.Remove(tmp)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, path)
}

// userCert checks a user's own certificate and key for the testbed (or,
// under the scenario key named by what, for the clients): it returns the
// name to send and verify (the leaf's first DNS name, else its common
// name), the key type, and a warning when others can read the key.
func userCert(set CertSet, what string) (string, scenarios.KeyType, []results.Warning, error) {
	pair, err := tls.LoadX509KeyPair(set.CertFile, set.KeyFile)
	if err != nil {
		return "", "", nil, fmt.Errorf("bench: %s: %w", what, err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		return "", "", nil, fmt.Errorf("bench: %s: %w", set.CertFile, err)
	}
	var key scenarios.KeyType
	switch k := leaf.PublicKey.(type) {
	case *rsa.PublicKey:
		switch k.N.BitLen() {
		case 2048:
			key = scenarios.RSA2048
		case 4096:
			key = scenarios.RSA4096
		default:
			return "", "", nil, fmt.Errorf("bench: %s: an RSA-%d key; tlsbench knows rsa-2048, rsa-4096, ecdsa-p256 and ed25519", set.CertFile, k.N.BitLen())
		}
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return "", "", nil, fmt.Errorf("bench: %s: an ECDSA %s key; tlsbench knows rsa-2048, ecdsa-p256 and ed25519", set.CertFile, k.Curve.Params().Name)
		}
		key = scenarios.ECDSAP256
	case ed25519.PublicKey:
		key = scenarios.Ed25519
	default:
		return "", "", nil, fmt.Errorf("bench: %s: unsupported key type %T", set.CertFile, k)
	}
	name := leaf.Subject.CommonName
	if len(leaf.DNSNames) > 0 {
		name = leaf.DNSNames[0]
	}
	var warns []results.Warning
	if st, err := os.Stat(set.KeyFile); err == nil && st.Mode().Perm()&0o077 != 0 {
		warns = append(warns, results.Warning{Code: results.WarnPrivateKeyReadable,
			Message: fmt.Sprintf("the private key %s can be read by other users (mode %#o): chmod 600 %s", set.KeyFile, st.Mode().Perm(), set.KeyFile)})
	}
	return name, key, warns, nil
}

// KeyTypes are the key types of the testbed's throwaway certificates, in
// the order tlsbench certs makes them.
func KeyTypes() []scenarios.KeyType {
	return []scenarios.KeyType{scenarios.ECDSAP256, scenarios.RSA2048, scenarios.Ed25519}
}
