package loadgen

import (
	"bytes"
	"crypto/ecdh"
	"crypto/tls"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"time"

	utls "github.com/refraction-networking/utls"
)

// client is one simulated client: its own tls.Config and session cache.
// A client belongs to one worker, so its fields need no lock.
type client struct {
	mu      sync.Mutex // held while a connection of the client runs (open loop)
	id      int
	cache   *sessionCache // &slot, or nil when the client keeps no sessions
	slot    sessionCache
	next    int       // its next node under RoundRobin
	readyAt time.Time // when its think time ends
	ids     *idState  // the session-ID engine's state (Config.SessionIDs)
}

// clientCaches is a worker's tls.Config.ClientSessionCache: it hands
// crypto/tls the session cache of the client the worker is serving, so that
// the clients of one worker share an immutable tls.Config (one per worker,
// not per client: 464 bytes less per client) while each keeps its own
// session, as each browser does.
type clientCaches struct {
	cur *sessionCache // the client being served; nil: none
}

// Get returns the current client's session.
func (d *clientCaches) Get(key string) (*tls.ClientSessionState, bool) {
	if d.cur == nil {
		return nil, false
	}
	return d.cur.Get(key)
}

// Put stores a session for the current client.
func (d *clientCaches) Put(key string, cs *tls.ClientSessionState) {
	if d.cur != nil {
		d.cur.Put(key, cs)
	}
}

// sessionCache holds a client's most recent session, whatever the key: all
// nodes share the service name. It remembers which node issued the session.
// It is used by one goroutine at a time (its client's worker).
type sessionCache struct {
	session *tls.ClientSessionState
	lab     *utls.ClientSessionState // the reused-key-share engine's (Config.ReuseKeyShare)
	issuer  int32                    // node that issued session, -1 if none
	puts    uint32                   // sessions stored; compared for change only
}

// held says whether the client holds a session to offer.
func (c *sessionCache) held() bool { return c.session != nil || c.lab != nil }

// Get returns the client's session.
func (c *sessionCache) Get(string) (*tls.ClientSessionState, bool) {
	return c.session, c.session != nil
}

// Put stores a session (nil removes it).
//
// The session's ticket is copied to a slice of its own: crypto/tls keeps
// the ticket as a part of the whole NewSessionTicket message it read,
// whose other bytes an idle client would hold for nothing (about 30 bytes
// a client, more with the size-class rounding: 3 MB of live heap for
// 100,000 clients, twice that of resident memory under GOGC=100).
func (c *sessionCache) Put(_ string, cs *tls.ClientSessionState) {
	if ticket, state, err := cs.ResumptionState(); err == nil && state != nil {
		// NewResumptionState sets the state's ticket; the state is cs's
		// own, so cs now holds the copy.
		tls.NewResumptionState(bytes.Clone(ticket), state)
	}
	c.session = cs
	c.puts++
}

// countingConn is the connection the TLS engines run on: it counts the
// bytes that pass through the socket (TCP payload, that is TLS records,
// without TCP/IP headers), and reads through a read-ahead buffer:
// crypto/tls asks for a record header and a little more (576 bytes), so a
// server flight of 1-2 KB took two or three reads; it takes one. Close
// closes the connection at once, from any goroutine (crypto/tls calls it
// from another one to interrupt a handshake whose context is canceled);
// the worker ends a connection with release, which may keep its socket.
type countingConn struct {
	net.Conn
	in, out int64  // bytes read from and written to the socket
	rbuf    []byte // read-ahead; rbuf[rpos:rend] is not read yet
	rpos    int
	rend    int
}

// readAhead is the size of a countingConn's read-ahead buffer: a server's
// first flight with an RSA chain fits.
const readAhead = 8 << 10

// reset makes c the counting connection over conn, keeping its buffer.
func (c *countingConn) reset(conn net.Conn) {
	*c = countingConn{Conn: conn, rbuf: c.rbuf}
}

func (c *countingConn) Read(b []byte) (int, error) {
	if c.rpos < c.rend {
		n := copy(b, c.rbuf[c.rpos:c.rend])
		c.rpos += n
		return n, nil
	}
	if len(b) >= readAhead {
		n, err := c.Conn.Read(b)
		c.in += int64(n)
		return n, err
	}
	if c.rbuf == nil {
		c.rbuf = make([]byte, readAhead)
	}
	m, err := c.Conn.Read(c.rbuf)
	c.in += int64(m)
	n := copy(b, c.rbuf[:m])
	c.rpos, c.rend = n, m
	return n, err
}

func (c *countingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	c.out += int64(n)
	return n, err
}

// release ends conn from the worker's goroutine: a raw-path connection
// may keep its socket for the worker's next connection (see park), any
// other is closed.
func release(conn net.Conn) {
	if r, ok := conn.(interface{ release() }); ok {
		r.release()
		return
	}
	conn.Close()
}

// worker runs connections one after another for its clients.
type worker struct {
	g       *Generator
	clients clientView
	rng     *rand.Rand
	dialer  net.Dialer
	buf     []byte
	cc      countingConn // reused by every connection of the worker
	spare   *rawConn     // a socket to connect again (the raw path; see rawSpare)
	rt      tripConn     // around cc during a handshake (Config.RoundTrips)
	stats   *stats
	iv      workerInterval
	tls     *tls.Config  // shared by the worker's clients; immutable
	caches  clientCaches // its ClientSessionCache
	turn    int          // index into clients of the next client to connect
	// The reused-key-share engine (Config.ReuseKeyShare): its uTLS config
	// (shared by the worker's clients, immutable), session cache and key
	// pair, and the key share's group.
	labTLS  *utls.Config
	lab     labCaches
	ks      keyShare
	ksID    tls.CurveID
	ksCurve ecdh.Curve
	// certRequested is set when the server asks the connection in
	// progress for the client's certificate (tls.Config.GetClientCertificate).
	certRequested bool
}

// loop runs connections until the phase stops or, when quota is not
// negative, quota connections have run.
func (w *worker) loop(run *phaseRun, quota int64) {
	cfg := &w.g.cfg
	for n := int64(0); n != quota && !run.stop.Load(); n++ {
		c := w.clients.at(w.turn)
		w.turn++
		if w.turn == w.clients.n {
			w.turn = 0
		}
		if cfg.ThinkTime > 0 && !w.g.clock.SleepUntil(c.readyAt, run.stopped) {
			break
		}
		var o outcome
		w.connect(run, c, &o)
		o.end = w.g.clock.Now()
		w.stats.record(&o)
		w.iv.note(run.timeline, o.end, &o)
		if cfg.ThinkTime > 0 {
			think := cfg.ThinkTime
			if cfg.ThinkExponential {
				think = time.Duration(w.rng.ExpFloat64() * float64(think))
			}
			c.readyAt = o.end.Add(think)
		}
	}
	w.iv.flush(run.timeline)
}

// openLoop runs the connections of an open-loop phase: it takes the next
// slot of the schedule, waits for its intended start, and runs it for
// client k mod Clients. A slot whose start comes when every worker is busy
// starts late, and its latency still counts from the intended start.
func (w *worker) openLoop(run *phaseRun) {
	clients := w.g.clients
	for !run.stop.Load() {
		k, intended, ok := run.pacer.next()
		if !ok || !w.g.clock.SleepUntil(intended, run.stopped) {
			break
		}
		c := clients[k%int64(len(clients))]
		c.mu.Lock() // a client runs one connection at a time
		o := outcome{intended: intended}
		w.connect(run, c, &o)
		c.mu.Unlock()
		o.end = w.g.clock.Now()
		w.stats.record(&o)
		w.iv.note(run.timeline, o.end, &o)
	}
	w.iv.flush(run.timeline)
}

// outcome is what one connection measured; record files it.
type outcome struct {
	node, issuer int
	offered      bool
	resumed      bool
	failed       bool
	stage        Stage
	class        ErrorClass
	err          error
	connect      time.Duration
	handshake    time.Duration
	end          time.Time // when the connection ended
	// Open loop: the intended start; the connect latency is measured from
	// it, and uncorrected (from the dial's start) too.
	intended    time.Time
	uncorrected time.Duration
	lag         time.Duration // dial start − intended start
	in, out     int64
	version     uint16
	suite       uint16
	curve       tls.CurveID
	helloRetry  bool  // the server sent a HelloRetryRequest
	trips       int   // round trips of the handshake (Config.RoundTrips)
	flight      int64 // the server's first flight, bytes (Config.RoundTrips)
	// clientCert: the server asked for the client's certificate and the
	// client presented it (Config.ClientCertificate).
	clientCert bool
	// echOffered: the client offered ECH (Config.ECHConfigList);
	// echAccepted: ConnectionState.ECHAccepted.
	echOffered, echAccepted bool
}

func (w *worker) pickNode(c *client) int {
	n := len(w.g.cfg.Targets)
	switch w.g.cfg.Balance {
	case Random:
		return w.rng.IntN(n)
	case Sticky:
		return c.id % n
	case LeastConn:
		best, least := 0, w.g.inflight[0].n.Load()
		for i := 1; i < n; i++ {
			if v := w.g.inflight[i].n.Load(); v < least {
				best, least = i, v
			}
		}
		return best
	default:
		node := c.next
		c.next++
		if c.next == n {
			c.next = 0
		}
		return node
	}
}

func (w *worker) connect(run *phaseRun, c *client, o *outcome) {
	cfg := &w.g.cfg
	o.node = w.pickNode(c)
	o.issuer = -1
	var puts uint32
	if c.cache != nil {
		o.offered = c.cache.held()
		o.issuer = int(c.cache.issuer)
		puts = c.cache.puts
	}
	if cfg.Balance == LeastConn {
		in := &w.g.inflight[o.node].n
		in.Add(1)
		defer in.Add(-1)
	}
	clk := w.g.clock
	start := clk.Now()
	raw, err := w.dial(run.hard, o.node)
	established := clk.Now()
	o.connect = established.Sub(start)
	if !o.intended.IsZero() {
		o.uncorrected, o.lag = o.connect, start.Sub(o.intended)
		o.connect = established.Sub(o.intended)
	}
	if err != nil {
		o.fail(StageConnect, err)
		return
	}
	w.cc.reset(raw)
	var tc *tls.Conn
	defer func() {
		if cfg.Reset {
			if l, ok := raw.(interface{ SetLinger(int) error }); ok {
				l.SetLinger(0)
			}
		}
		if cfg.CloseNotify && tc != nil && !o.failed {
			// close_notify, then the socket; its bytes are counted.
			// CloseWrite, not Close: the socket is the worker's to end.
			raw.SetWriteDeadline(time.Now().Add(cfg.IOTimeout))
			tc.CloseWrite()
		}
		release(raw)
		o.in, o.out = w.cc.in, w.cc.out
		w.cc.Conn, w.rt.Conn = nil, nil
	}()
	// Socket deadlines are on the real clock, which the poller reads.
	raw.SetDeadline(time.Now().Add(cfg.HandshakeTimeout))
	if cfg.SessionIDs {
		w.connectIDs(run, c, o, established)
		return
	}
	if cfg.ReuseKeyShare > 0 {
		w.connectLab(run, c, o, established, puts)
		return
	}
	w.caches.cur = c.cache
	w.certRequested = false
	tc = tls.Client(w.handshakeConn(), w.tls)
	err = tc.HandshakeContext(run.hard)
	o.handshake = clk.Now().Sub(established)
	w.endHandshake(o)
	if err != nil {
		o.fail(StageHandshake, err)
		if w.certRequested && o.class == ErrNegotiation {
			// A handshake_failure after the server asked for a client
			// certificate: negotiation had succeeded, the certificate
			// (none, or one the server refused) did not (OpenSSL and Go
			// answer a missing one so under TLS 1.2).
			o.class = ErrClientCertRejected
		}
		return
	}
	st := tc.ConnectionState()
	o.resumed = st.DidResume
	o.version, o.suite, o.curve = st.Version, st.CipherSuite, st.CurveID
	o.helloRetry = st.HelloRetryRequest
	o.clientCert = w.certRequested && cfg.ClientCertificate != nil
	o.echOffered, o.echAccepted = len(cfg.ECHConfigList) > 0, st.ECHAccepted

	if err := w.after(tc, raw, c, puts); err != nil {
		o.fail(StageAfter, err)
	}
	if c.cache != nil && c.cache.puts != puts {
		c.cache.issuer = int32(o.node)
	}
	// The client closes its socket without sending close_notify: the
	// server has already sent its own and a FIN (read-eof), so the client's
	// port is free at once and TIME_WAIT stays on the server.
}

// after performs the after-handshake action.
func (w *worker) after(tc *tls.Conn, raw net.Conn, c *client, puts uint32) error {
	cfg := &w.g.cfg
	switch cfg.AfterHandshake {
	case Close:
		return nil
	case HTTP:
		raw.SetDeadline(time.Now().Add(cfg.IOTimeout))
		if _, err := tc.Write(cfg.HTTPRequest); err != nil {
			return err
		}
		if cfg.CloseFirst {
			return w.readSome(tc)
		}
		return w.readToEOF(tc)
	case Ticket:
		if c.cache == nil || c.cache.puts != puts {
			return nil // no cache, or the ticket came in the handshake (TLS 1.2)
		}
		raw.SetDeadline(time.Now().Add(cfg.IOTimeout))
		return w.readTicket(tc, c, puts)
	default:
		raw.SetDeadline(time.Now().Add(cfg.IOTimeout))
		if cfg.CloseFirst {
			return w.readSome(tc)
		}
		n, err := w.readAllToEOF(tc)
		if err == nil && n == 0 && w.certRequested && cfg.ClientCertificate != nil {
			// Not a byte of application data: the server refused the
			// client certificate without an alert.
			return ErrNoResponseAfterClientCert
		}
		return err
	}
}

// ErrNoResponseAfterClientCert is the error of a connection whose server
// asked for the client's certificate, completed the handshake and then
// closed the connection without a byte of application data, under the
// read-eof action, where a server always sends some (the testbed and nginx
// stream nodes their node id): what nginx does with a client certificate
// it rejects (ssl_verify_client on verifies after the handshake and sends
// no alert). Its class is ErrClientCertRejected.
var ErrNoResponseAfterClientCert = errors.New("the server asked for the client certificate, then closed the connection without sending anything (nginx rejects a client certificate so, with no alert)")

// readTicket reads from r until c's cache has stored a session since
// puts, or EOF.
func (w *worker) readTicket(r io.Reader, c *client, puts uint32) error {
	for c.cache.puts == puts {
		if _, err := r.Read(w.buf); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
	return nil
}

// readSome reads until the first application data arrives (a TLS 1.3
// ticket before it is stored on the way), for a client that closes first.
func (w *worker) readSome(tc *tls.Conn) error {
	for {
		n, err := tc.Read(w.buf)
		if n > 0 {
			return nil
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
}

func (w *worker) readToEOF(tc *tls.Conn) error {
	_, err := w.readAllToEOF(tc)
	return err
}

// readAllToEOF reads to EOF and returns the application data bytes read.
func (w *worker) readAllToEOF(tc *tls.Conn) (int64, error) {
	var total int64
	for {
		n, err := tc.Read(w.buf)
		total += int64(n)
		if err == nil {
			continue
		}
		if errors.Is(err, io.EOF) {
			return total, nil
		}
		return total, err
	}
}

func (o *outcome) fail(stage Stage, err error) {
	o.stage, o.err, o.class = stage, err, Classify(err)
	if stage == StageAfter && o.class == ErrClientCertRejected {
		// TLS 1.3: the server's verdict on the client certificate comes
		// after the client's handshake; the handshake failed all the same.
		o.stage = StageHandshake
	}
	if o.stage != StageAfter {
		o.failed = true
	}
}
