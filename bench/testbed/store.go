package testbed

import (
	"crypto/rand"
	"crypto/tls"
	"sync"
)

// sessionStore is a server-side session cache: WrapSession stores the
// session state and returns a header and a random 16-byte handle as the
// ticket; UnwrapSession looks the handle up. A handle that is not in the
// store gives a full handshake, as a session-ID cache miss does. When full,
// the oldest entry is evicted first. Safe for concurrent use.
type sessionStore struct {
	mu   sync.Mutex
	m    map[[16]byte][]byte
	ring [][16]byte // insertion order, for eviction
	used []bool
	next int
}

func newSessionStore(size int) *sessionStore {
	return &sessionStore{
		m:    make(map[[16]byte][]byte),
		ring: make([][16]byte, size),
		used: make([]bool, size),
	}
}

func (s *sessionStore) put(id [16]byte, state []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.used[s.next] {
		delete(s.m, s.ring[s.next])
	}
	s.ring[s.next], s.used[s.next] = id, true
	s.next = (s.next + 1) % len(s.ring)
	s.m[id] = state
}

func (s *sessionStore) get(id [16]byte) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	state, ok := s.m[id]
	return state, ok
}

// wrapHandle stores the session and returns header + handle.
func (n *node) wrapHandle(_ tls.ConnectionState, ss *tls.SessionState) ([]byte, error) {
	state, err := ss.Bytes()
	if err != nil {
		return nil, err
	}
	var id [16]byte
	rand.Read(id[:])
	n.store.put(id, state)
	b := header{format: formatHandle, node: n.id, issued: n.clock.Now()}.put(make([]byte, 0, headerLen+16))
	return append(b, id[:]...), nil
}

// unwrapHandle looks a handle up; a miss gives a full handshake, counted by
// reason.
func (n *node) unwrapHandle(identity []byte, _ tls.ConnectionState) (*tls.SessionState, error) {
	if len(identity) == 0 {
		return nil, nil // TLS 1.2 asks even when the client offered nothing
	}
	h, rest, ok := parseHeader(identity)
	if !ok || h.format != formatHandle || len(rest) != 16 {
		n.fb.unreadable.Add(1)
		return nil, nil
	}
	if n.expired(h) {
		return nil, nil
	}
	state, ok := n.store.get([16]byte(rest))
	if !ok {
		if h.node != n.id && !n.sharedState {
			n.fb.otherNode.Add(1)
		} else {
			n.fb.evicted.Add(1)
		}
		return nil, nil
	}
	return tls.ParseSessionState(state)
}

// wrapTicket encrypts the session with crypto/tls's own EncryptTicket under
// the node's current key, behind a header naming the key's generation.
func (n *node) wrapTicket(cs tls.ConnectionState, ss *tls.SessionState) ([]byte, error) {
	n.keys.mu.RLock()
	defer n.keys.mu.RUnlock()
	body, err := n.cfg.EncryptTicket(cs, ss)
	if err != nil {
		return nil, err
	}
	b := header{format: formatTicket, node: n.id, gen: n.keys.cur, issued: n.clock.Now()}.put(make([]byte, 0, headerLen+len(body)))
	return append(b, body...), nil
}

// unwrapTicket decrypts a ticket with crypto/tls's DecryptTicket; a ticket
// it cannot read gives a full handshake, counted by reason.
func (n *node) unwrapTicket(identity []byte, cs tls.ConnectionState) (*tls.SessionState, error) {
	if len(identity) == 0 {
		return nil, nil // TLS 1.2 asks even when the client offered nothing
	}
	h, body, ok := parseHeader(identity)
	if !ok || h.format != formatTicket {
		n.fb.unreadable.Add(1)
		return nil, nil
	}
	if n.expired(h) {
		return nil, nil
	}
	n.keys.mu.RLock()
	defer n.keys.mu.RUnlock()
	ss, err := n.cfg.DecryptTicket(body, cs)
	if err != nil || ss != nil {
		return ss, err
	}
	switch {
	case h.node != n.id && !n.sharedState:
		n.fb.otherNode.Add(1)
	case h.gen < n.keys.oldest:
		n.fb.rotatedOut.Add(1)
	case h.gen > n.keys.cur:
		n.fb.rotatedAhead.Add(1)
	default:
		n.fb.unreadable.Add(1)
	}
	return nil, nil
}

// expired reports (and counts) a session older than the node's lifetime.
func (n *node) expired(h header) bool {
	if n.lifetime > 0 && n.clock.Now().Sub(h.issued) > n.lifetime {
		n.fb.expired.Add(1)
		return true
	}
	return false
}
