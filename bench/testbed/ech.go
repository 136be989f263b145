package testbed

import (
	"crypto/ecdh"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"fmt"
)

// Encrypted Client Hello on the testbed (Config.ECH): the fleet makes one
// ECH key for the run, as a service publishes one config for all the
// servers behind its name, and every node decrypts with it
// (tls.Config.EncryptedClientHelloKeys). The key is an X25519 HPKE key
// made in the child, which never leaves it; the parent receives only the
// public ECHConfigList (Ready.ECHConfigList), which the clients encrypt
// their ClientHello to.

// The HPKE suite of the testbed's ECH config (RFC 9180): DHKEM(X25519,
// HKDF-SHA256), HKDF-SHA256, and AES-128-GCM or ChaCha20-Poly1305.
const (
	echVersion     = 0xfe0d // draft-ietf-tls-esni-18, what Go implements
	hpkeX25519     = 0x0020
	hpkeSHA256     = 0x0001
	hpkeAES128GCM  = 0x0001
	hpkeChaCha20   = 0x0003
	maxPublicName  = 255
	echMaxNameLen  = 0 // no padding hint: Go pads the inner name itself
	echNoExtension = 0
)

// newECHKey makes an ECH key and its config for publicName, the name the
// outer ClientHello carries. It returns the server's key and the config
// list to give clients.
func newECHKey(publicName string) (tls.EncryptedClientHelloKey, []byte, error) {
	if publicName == "" || len(publicName) > maxPublicName {
		return tls.EncryptedClientHelloKey{}, nil, fmt.Errorf("testbed: ECH public name %q: want 1..%d bytes", publicName, maxPublicName)
	}
	priv, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		return tls.EncryptedClientHelloKey{}, nil, fmt.Errorf("testbed: ECH key: %w", err)
	}
	var id [1]byte
	if _, err := rand.Read(id[:]); err != nil {
		return tls.EncryptedClientHelloKey{}, nil, fmt.Errorf("testbed: ECH config id: %w", err)
	}
	pub := priv.PublicKey().Bytes()
	// ECHConfigContents: key_config (config_id, kem_id, public_key,
	// cipher_suites), maximum_name_length, public_name, extensions.
	var c []byte
	c = append(c, id[0])
	c = binary.BigEndian.AppendUint16(c, hpkeX25519)
	c = binary.BigEndian.AppendUint16(c, uint16(len(pub)))
	c = append(c, pub...)
	c = binary.BigEndian.AppendUint16(c, 8)
	c = binary.BigEndian.AppendUint16(c, hpkeSHA256)
	c = binary.BigEndian.AppendUint16(c, hpkeAES128GCM)
	c = binary.BigEndian.AppendUint16(c, hpkeSHA256)
	c = binary.BigEndian.AppendUint16(c, hpkeChaCha20)
	c = append(c, echMaxNameLen, byte(len(publicName)))
	c = append(c, publicName...)
	c = binary.BigEndian.AppendUint16(c, echNoExtension)
	// ECHConfig: version, length, contents.
	config := binary.BigEndian.AppendUint16(nil, echVersion)
	config = binary.BigEndian.AppendUint16(config, uint16(len(c)))
	config = append(config, c...)
	// ECHConfigList: its length, then the one config.
	list := binary.BigEndian.AppendUint16(nil, uint16(len(config)))
	list = append(list, config...)
	return tls.EncryptedClientHelloKey{Config: config, PrivateKey: priv.Bytes(), SendAsRetry: true}, list, nil
}
