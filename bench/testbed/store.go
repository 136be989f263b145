package testbed

import (
	"crypto/rand"
	"crypto/tls"
	"sync"
	"sync/atomic"
)

// sessionStore is a server-side session cache: WrapSession stores the
// session state and returns a random 16-byte handle as the ticket;
// UnwrapSession looks the handle up. A handle that is not in the store gives
// a full handshake, as a session-ID cache miss does. When full, the oldest
// entry is evicted first. Safe for concurrent use.
type sessionStore struct {
	mu     sync.Mutex
	m      map[[16]byte][]byte
	ring   [][16]byte // insertion order, for eviction
	used   []bool
	next   int
	misses atomic.Int64
}

func newSessionStore(size int) *sessionStore {
	return &sessionStore{
		m:    make(map[[16]byte][]byte),
		ring: make([][16]byte, size),
		used: make([]bool, size),
	}
}

func (s *sessionStore) wrap(_ tls.ConnectionState, ss *tls.SessionState) ([]byte, error) {
	state, err := ss.Bytes()
	if err != nil {
		return nil, err
	}
	var id [16]byte
	rand.Read(id[:])
	s.mu.Lock()
	if s.used[s.next] {
		delete(s.m, s.ring[s.next])
	}
	s.ring[s.next], s.used[s.next] = id, true
	s.next = (s.next + 1) % len(s.ring)
	s.m[id] = state
	s.mu.Unlock()
	return id[:], nil
}

func (s *sessionStore) unwrap(identity []byte, _ tls.ConnectionState) (*tls.SessionState, error) {
	if len(identity) != 16 {
		s.misses.Add(1)
		return nil, nil // not ours: full handshake
	}
	s.mu.Lock()
	state, ok := s.m[[16]byte(identity)]
	s.mu.Unlock()
	if !ok {
		s.misses.Add(1)
		return nil, nil
	}
	return tls.ParseSessionState(state)
}
