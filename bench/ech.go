package bench

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Encrypted Client Hello (tls.ech): the clients encrypt their ClientHello
// to the server's ECH config list, and the handshake fails unless the
// server accepts it. On the embedded testbed the testbed child makes the
// key and hands back only the public config list (with ECHPublicName in
// it); against a remote target the list is read from
// target.ech_config_file. The list is given to the generator
// (loadgen.Config.ECHConfigList); the result records its public name and
// config ids, never the list itself.

// ECHPublicName is the public name of the testbed's ECH config: the name
// the outer, visible ClientHello carries in SNI while the inner one names
// ServerName.
const ECHPublicName = "public.tlsbench.test"

// echConfig is a server's ECH config list as the clients use it.
type echConfig struct {
	list []byte
	// publicNames and ids are those of the configs of the version Go
	// implements (0xfe0d), in order.
	publicNames []string
	ids         []uint8
	// source says where the list came from, for the result.
	source string
}

// describe says in words how the clients offer ECH, for the result.
func (e *echConfig) describe() string {
	ids := make([]string, len(e.ids))
	for i, id := range e.ids {
		ids[i] = fmt.Sprint(id)
	}
	return fmt.Sprintf("every client offers Encrypted Client Hello with %s (public name %s, config id %s) and fails the handshake unless the server accepts it; the config list is not written here",
		e.source, strings.Join(e.publicNames, ", "), strings.Join(ids, ", "))
}

// echVersion is the ECHConfig version Go's crypto/tls implements
// (draft-ietf-tls-esni-18, as the final RFC has it).
const echVersion = 0xfe0d

// parseECHConfigList reads an ECHConfigList: its length, then configs of
// a version, a length and contents. It keeps the public name and the
// config id of each config of echVersion, and fails when there is none:
// Go's client skips the others.
func parseECHConfigList(b []byte) (*echConfig, error) {
	if len(b) < 2 || int(binary.BigEndian.Uint16(b)) != len(b)-2 {
		return nil, errors.New("not an ECHConfigList (its 2-byte length does not match its size)")
	}
	e := &echConfig{list: b}
	for rest := b[2:]; len(rest) > 0; {
		if len(rest) < 4 {
			return nil, errors.New("truncated ECHConfig")
		}
		version, n := binary.BigEndian.Uint16(rest), int(binary.BigEndian.Uint16(rest[2:]))
		if len(rest) < 4+n {
			return nil, errors.New("truncated ECHConfig")
		}
		c := rest[4 : 4+n]
		rest = rest[4+n:]
		if version != echVersion {
			continue
		}
		// config_id, kem_id, public_key<2>, cipher_suites<2>,
		// maximum_name_length, public_name<1>, extensions<2>.
		if len(c) < 5 {
			return nil, errors.New("truncated ECHConfig contents")
		}
		id := c[0]
		p := 3
		for _, skip := range []int{2, 2} {
			if len(c) < p+skip {
				return nil, errors.New("truncated ECHConfig contents")
			}
			p += skip + int(binary.BigEndian.Uint16(c[p:]))
		}
		if len(c) < p+2 || len(c) < p+2+int(c[p+1]) {
			return nil, errors.New("truncated ECHConfig public name")
		}
		name := c[p+2 : p+2+int(c[p+1])]
		if len(name) == 0 {
			return nil, errors.New("ECHConfig with an empty public name")
		}
		e.publicNames = append(e.publicNames, string(name))
		e.ids = append(e.ids, id)
	}
	if len(e.publicNames) == 0 {
		return nil, fmt.Errorf("no ECHConfig of version %#04x, the one Go implements", echVersion)
	}
	return e, nil
}

// readECHConfigFile reads a remote server's ECH config list from path:
// binary, base64 (as a DNS HTTPS record's ech= parameter shows it), or a
// PEM block "ECHCONFIG" (as OpenSSL and BoringSSL write it; another block
// in the file, such as a private key, is not read).
func readECHConfigFile(path string) (*echConfig, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("bench: target.ech_config_file: %w", err)
	}
	list := data
	if bytes.Contains(data, []byte("-----BEGIN")) {
		list = nil
		for rest := data; ; {
			var b *pem.Block
			if b, rest = pem.Decode(rest); b == nil {
				break
			}
			if b.Type == "ECHCONFIG" {
				list = b.Bytes
				break
			}
		}
		if list == nil {
			return nil, fmt.Errorf("bench: target.ech_config_file %s: no PEM block ECHCONFIG", path)
		}
	} else if text := strings.Join(strings.Fields(string(data)), ""); text != "" {
		if b, err := base64.StdEncoding.DecodeString(text); err == nil {
			list = b
		}
	}
	e, err := parseECHConfigList(list)
	if err != nil {
		return nil, fmt.Errorf("bench: target.ech_config_file %s: %w", path, err)
	}
	e.source = "the config list of " + path
	return e, nil
}
