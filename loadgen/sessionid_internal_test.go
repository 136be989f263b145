package loadgen

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"
)

// TestSessionStateEMS checks that the session handed to uTLS carries the
// extended-master-secret flag of the handshake that made it: uTLS refuses
// a resumption whose flag differs from the ServerHello's.
func TestSessionStateEMS(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "x"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	for _, ems := range []bool{false, true} {
		s := &SessionID{id: []byte{1, 2, 3}, secret: bytes.Repeat([]byte{7}, 48), ems: ems,
			version: tls.VersionTLS12, suite: tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
			certs: []*x509.Certificate{cert}, chains: [][]*x509.Certificate{{cert}}}
		st, err := s.state()
		if err != nil {
			t.Fatal(err)
		}
		b, err := st.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		// The flag follows the secret and the (empty) extra field.
		off := 2 + 1 + 2 + 8 + 1 + 48 + 3
		want := byte(0)
		if ems {
			want = 1
		}
		if b[off] != want {
			t.Errorf("ems %v: encoded flag %d, want %d", ems, b[off], want)
		}
		if !bytes.Contains(b, s.secret) {
			t.Errorf("ems %v: the master secret is not in the session", ems)
		}
	}
}

// TestHelloSniffer checks that the key-exchange group is read from a
// ServerKeyExchange split across reads, and that nothing after the
// ChangeCipherSpec is parsed.
func TestHelloSniffer(t *testing.T) {
	ske := []byte{12, 0, 0, 4, 3, 0, 29, 0} // server_key_exchange, named_curve x25519
	hello := []byte{2, 0, 0, 2, 3, 3}       // a (short) server_hello
	msgs := append(append([]byte{}, hello...), ske...)
	stream := append([]byte{22, 3, 3, 0, byte(len(msgs))}, msgs...)
	stream = append(stream, 20, 3, 3, 0, 1, 1)                        // change_cipher_spec
	stream = append(stream, 22, 3, 3, 0, 8, 12, 0, 0, 4, 3, 0, 23, 0) // encrypted: must be ignored
	s := &helloSniffer{}
	for i := 0; i < len(stream); i += 3 {
		s.feed(stream[i:min(i+3, len(stream))])
	}
	if s.curve != tls.X25519 || !s.done {
		t.Errorf("curve %v, done %v; want X25519 and done", s.curve, s.done)
	}
}
