package check

import (
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"net"
)

// sniffer watches the plaintext handshake messages of one connection, in
// both directions, for what crypto/tls does not report: the groups and key
// shares of the client's first ClientHello, whether the server's first
// ServerHello is a HelloRetryRequest and which group it asks for (also
// when the handshake then fails), and the lifetime hint of a TLS 1.2
// NewSessionTicket. Each direction is parsed up to its first
// ChangeCipherSpec (TLS 1.2: the rest is encrypted; TLS 1.3: only the
// middlebox-compatibility record, after the ServerHello or the
// HelloRetryRequest), or until a record that is neither handshake nor
// ChangeCipherSpec. It never changes the bytes.
type sniffer struct {
	net.Conn
	server, client direction

	// lifetime is the lifetime hint of a TLS 1.2 NewSessionTicket, -1
	// when none was seen.
	lifetime int64
	// helloRetry says the server's first ServerHello was a
	// HelloRetryRequest; retryGroup is the group it asked for (0: none
	// named).
	helloRetry bool
	retryGroup tls.CurveID
	sawHello   bool // the server's first ServerHello was parsed
	// groups and shares are the supported_groups and the key_share groups
	// of the client's first ClientHello.
	groups, shares []tls.CurveID
	sawClient      bool
}

// direction is the reassembly state of one direction's records and
// handshake messages.
type direction struct {
	done bool
	rec  []byte
	msgs []byte
}

func newSniffer(c net.Conn) *sniffer { return &sniffer{Conn: c, lifetime: -1} }

func (s *sniffer) Read(b []byte) (int, error) {
	n, err := s.Conn.Read(b)
	if n > 0 {
		s.server.feed(b[:n], s.serverMessage)
	}
	return n, err
}

func (s *sniffer) Write(b []byte) (int, error) {
	s.client.feed(b, s.clientMessage)
	return s.Conn.Write(b)
}

// feed adds bytes of one direction and calls msg with every complete
// handshake message (type and body) until the direction is done.
func (d *direction) feed(b []byte, msg func(typ byte, body []byte)) {
	if d.done {
		return
	}
	d.rec = append(d.rec, b...)
	for len(d.rec) >= 5 && !d.done {
		typ, size := d.rec[0], int(binary.BigEndian.Uint16(d.rec[3:5]))
		if len(d.rec) < 5+size {
			return
		}
		switch typ {
		case 22: // handshake
			d.msgs = append(d.msgs, d.rec[5:5+size]...)
			for len(d.msgs) >= 4 {
				mt, ml := d.msgs[0], int(d.msgs[1])<<16|int(d.msgs[2])<<8|int(d.msgs[3])
				if len(d.msgs) < 4+ml {
					break
				}
				msg(mt, d.msgs[4:4+ml])
				d.msgs = d.msgs[4+ml:]
			}
		default: // change_cipher_spec, or encrypted data: stop
			d.done = true
		}
		d.rec = d.rec[5+size:]
	}
	if d.done {
		d.rec, d.msgs = nil, nil
	}
}

// helloRetryRandom is the ServerHello.random that marks a
// HelloRetryRequest (RFC 8446, 4.1.3).
var helloRetryRandom = []byte{
	0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
	0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
}

// Extension and message numbers.
const (
	extSupportedGroups = 10
	extKeyShare        = 51
	msgClientHello     = 1
	msgServerHello     = 2
	msgNewTicket       = 4
)

func (s *sniffer) serverMessage(typ byte, body []byte) {
	switch typ {
	case msgServerHello:
		if s.sawHello || len(body) < 34 {
			return
		}
		s.sawHello = true
		if !bytes.Equal(body[2:34], helloRetryRandom) {
			return
		}
		s.helloRetry = true
		// session_id_echo, cipher_suite, compression_method, extensions
		rest := body[34:]
		if len(rest) < 1 || len(rest) < 1+int(rest[0])+3 {
			return
		}
		rest = rest[1+int(rest[0])+3:]
		extensions(rest, func(typ uint16, data []byte) {
			if typ == extKeyShare && len(data) >= 2 {
				s.retryGroup = tls.CurveID(binary.BigEndian.Uint16(data))
			}
		})
	case msgNewTicket:
		if len(body) >= 4 { // lifetime_hint, ticket (TLS 1.2, in the clear)
			s.lifetime = int64(binary.BigEndian.Uint32(body))
		}
	}
}

func (s *sniffer) clientMessage(typ byte, body []byte) {
	if typ != msgClientHello || s.sawClient || len(body) < 34 {
		return
	}
	s.sawClient = true
	// legacy_version, random, session_id, cipher_suites, compression_methods
	rest := body[34:]
	for _, prefix := range []int{1, 2, 1} {
		if len(rest) < prefix {
			return
		}
		n := int(rest[0])
		if prefix == 2 {
			n = int(binary.BigEndian.Uint16(rest))
		}
		if len(rest) < prefix+n {
			return
		}
		rest = rest[prefix+n:]
	}
	extensions(rest, func(typ uint16, data []byte) {
		switch typ {
		case extSupportedGroups:
			if len(data) < 2 {
				return
			}
			for list := data[2:]; len(list) >= 2; list = list[2:] {
				s.groups = append(s.groups, tls.CurveID(binary.BigEndian.Uint16(list)))
			}
		case extKeyShare:
			if len(data) < 2 {
				return
			}
			for list := data[2:]; len(list) >= 4; {
				g, n := binary.BigEndian.Uint16(list), int(binary.BigEndian.Uint16(list[2:]))
				if len(list) < 4+n {
					return
				}
				s.shares = append(s.shares, tls.CurveID(g))
				list = list[4+n:]
			}
		}
	})
}

// extensions calls fn with each extension of a hello's extensions block
// (its two-byte length first).
func extensions(b []byte, fn func(typ uint16, data []byte)) {
	if len(b) < 2 {
		return
	}
	n := int(binary.BigEndian.Uint16(b))
	if len(b) < 2+n {
		return
	}
	for b = b[2 : 2+n]; len(b) >= 4; {
		typ, size := binary.BigEndian.Uint16(b), int(binary.BigEndian.Uint16(b[2:]))
		if len(b) < 4+size {
			return
		}
		fn(typ, b[4:4+size])
		b = b[4+size:]
	}
}
