package realserver

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"

	"github.com/tlsbench/tlsbench/scenarios/tlsfleet"
)

// ticketKeys are the ticket-key files of a fleet: one per node, or one
// file for every node. The keys are random, made here, and written only to
// the fleet's directory (mode 0600).
type ticketKeys struct {
	files []string // by node
}

// ticketKeySize is the size of one key: 16 bytes of key name, 32 of HMAC
// secret and 32 of AES-256 key, as nginx's ssl_session_ticket_key and
// HAProxy's tls-ticket-keys take it.
const ticketKeySize = 80

// haproxyKeys is how many keys an HAProxy key file must hold
// (TLS_TICKETS_NO): it encrypts with the last but one and decrypts with
// all.
const haproxyKeys = 3

func newTicketKeys(f *Fleet, kind Kind, scope tlsfleet.Scope, nodes int) (*ticketKeys, error) {
	k := &ticketKeys{}
	var shared string
	for i := range nodes {
		if scope == tlsfleet.Shared && shared != "" {
			k.files = append(k.files, shared)
			continue
		}
		name := fmt.Sprintf("ticket-node%d.key", i)
		if scope == tlsfleet.Shared {
			name = "ticket-shared.key"
		}
		data, err := keyFile(kind)
		if err != nil {
			return nil, err
		}
		p, err := f.writeFile(name, data, 0o600)
		if err != nil {
			return nil, err
		}
		k.files = append(k.files, p)
		shared = p
	}
	return k, nil
}

// keyFile returns the content of a fresh key file for kind: the raw key
// for nginx, haproxyKeys base64 lines for HAProxy.
func keyFile(kind Kind) ([]byte, error) {
	n := 1
	if kind == HAProxy {
		n = haproxyKeys
	}
	var out []byte
	for range n {
		key := make([]byte, ticketKeySize)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("realserver: ticket key: %w", err)
		}
		if kind != HAProxy {
			return key, nil
		}
		out = append(out, base64.StdEncoding.EncodeToString(key)...)
		out = append(out, '\n')
	}
	return out, nil
}
