package testbed

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/binary"
	"sync"
	"time"

	"github.com/tlsbench/tlsbench/loadgen/clock"
)

// keyring derives a node's ticket keys by generation and rotates them on
// schedule. Keys are derived from a random master secret that never leaves
// the process: per node (the node id is mixed in) or shared.
type keyring struct {
	master  [32]byte
	node    int  // mixed into the key unless shared
	shared  bool // every node derives the same keys
	epoch   time.Time
	offset  time.Duration // this node's rotation offset
	every   time.Duration // zero: no rotation
	overlap time.Duration
	clock   clock.Clock // the fleet's

	mu     sync.RWMutex // held for writing while keys change
	cur    int64        // current generation
	oldest int64        // oldest generation still accepted
	kept   []keptGen    // older generations still accepted, oldest first
}

type keptGen struct {
	gen    int64
	retire time.Time
}

func (k *keyring) key(gen int64) [32]byte {
	m := hmac.New(sha256.New, k.master[:])
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(gen))
	if !k.shared {
		binary.BigEndian.PutUint64(b[8:], uint64(k.node)+1)
	}
	m.Write([]byte("tlsbench ticket key"))
	m.Write(b[:])
	var out [32]byte
	copy(out[:], m.Sum(nil))
	return out
}

// rotationAt is when generation gen comes into use.
func (k *keyring) rotationAt(gen int64) time.Time {
	return k.epoch.Add(k.offset + time.Duration(gen)*k.every)
}

// install sets cfg's keys to the current generation and the kept ones.
// The caller holds k.mu for writing.
func (k *keyring) install(cfg *tls.Config) {
	keys := [][32]byte{k.key(k.cur)}
	for i := len(k.kept) - 1; i >= 0; i-- {
		keys = append(keys, k.key(k.kept[i].gen))
	}
	cfg.SetSessionTicketKeys(keys)
	k.oldest = k.cur
	if len(k.kept) > 0 {
		k.oldest = k.kept[0].gen
	}
}

// rotate runs the rotation schedule on the keyring's clock until ctx
// ends.
func (k *keyring) rotate(ctx context.Context, cfg *tls.Config) {
	if k.every <= 0 {
		return
	}
	for k.clock.SleepUntil(k.next(), ctx.Done()) {
		k.advance(k.clock.Now(), cfg)
	}
}

// next is when the keys change next: the next rotation, or the retirement
// of a kept generation.
func (k *keyring) next() time.Time {
	k.mu.RLock()
	defer k.mu.RUnlock()
	next := k.rotationAt(k.cur + 1)
	for _, g := range k.kept {
		if g.retire.Before(next) {
			next = g.retire
		}
	}
	return next
}

// advance brings the keys to what they are at now: every rotation due by
// then, every kept generation retired by then; it installs them in cfg.
func (k *keyring) advance(now time.Time, cfg *tls.Config) {
	k.mu.Lock()
	defer k.mu.Unlock()
	for !now.Before(k.rotationAt(k.cur + 1)) {
		k.kept = append(k.kept, keptGen{gen: k.cur, retire: k.rotationAt(k.cur + 1).Add(k.overlap)})
		k.cur++
	}
	live := k.kept[:0]
	for _, g := range k.kept {
		if now.Before(g.retire) {
			live = append(live, g)
		}
	}
	k.kept = live
	k.install(cfg)
}

// The ticket header: format version, issuing node, key generation, issue
// time (Unix nanoseconds). Plaintext, no secret.
const headerLen = 1 + 2 + 4 + 8

const (
	formatTicket = 1 // header + crypto/tls EncryptTicket output
	formatHandle = 2 // header + 16-byte handle into a session store
)

type header struct {
	format byte
	node   int
	gen    int64
	issued time.Time
}

func (h header) put(b []byte) []byte {
	b = append(b, h.format)
	b = binary.BigEndian.AppendUint16(b, uint16(h.node))
	b = binary.BigEndian.AppendUint32(b, uint32(h.gen))
	return binary.BigEndian.AppendUint64(b, uint64(h.issued.UnixNano()))
}

func parseHeader(b []byte) (header, []byte, bool) {
	if len(b) < headerLen {
		return header{}, nil, false
	}
	return header{
		format: b[0],
		node:   int(binary.BigEndian.Uint16(b[1:3])),
		gen:    int64(binary.BigEndian.Uint32(b[3:7])),
		issued: time.Unix(0, int64(binary.BigEndian.Uint64(b[7:15]))),
	}, b[headerLen:], true
}
