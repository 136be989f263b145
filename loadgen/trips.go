package loadgen

import (
	"net"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/tlsbench/tlsbench/results"
)

// Round trips and the server's first flight (Config.RoundTrips): what a
// handshake did on the wire, which only matters behind a network link, and
// so is counted only then. tripConn sits between the TLS engine and the
// worker's countingConn for the handshake alone; it is a field of the
// worker, reused by every connection, so counting allocates nothing per
// handshake, and without Config.RoundTrips it is not in the path at all.

// tripConn counts, during a handshake, the client's waits for the server
// and the size of each flight the server sent.
//
// A round trip is a write followed by a read that needed new data: the TLS
// engine reads from the connection only when its buffer lacks the rest of
// a record, so the first read after a write is the client waiting for the
// server's answer. Reads in a row (one flight over several segments or
// records) are one wait. A flight is the bytes read between two writes.
type tripConn struct {
	net.Conn       // the worker's countingConn
	on       bool  // the handshake is in progress
	wrote    bool  // a write came after the last counted read
	trips    int   // round trips so far
	run      int64 // bytes read since the last write
	flight   int64 // the largest flight so far
}

func (c *tripConn) Write(b []byte) (int, error) {
	if c.on {
		c.endFlight()
		c.wrote = true
	}
	return c.Conn.Write(b)
}

func (c *tripConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if c.on && n > 0 {
		if c.wrote {
			c.trips++
			c.wrote = false
		}
		c.run += int64(n)
	}
	return n, err
}

func (c *tripConn) endFlight() {
	c.flight = max(c.flight, c.run)
	c.run = 0
}

// done ends the handshake's counting and returns its round trips and its
// largest server flight in bytes. Reads and writes after it (the
// after-handshake action) pass through uncounted.
func (c *tripConn) done() (trips int, flight int64) {
	c.endFlight()
	c.on = false
	return c.trips, c.flight
}

// handshakeConn returns the connection the TLS engine runs the handshake
// on: the worker's countingConn, through its tripConn when round trips are
// counted (reset for this connection).
func (w *worker) handshakeConn() net.Conn {
	if !w.g.cfg.RoundTrips {
		return &w.cc
	}
	w.rt = tripConn{Conn: &w.cc, on: true}
	return &w.rt
}

// endHandshake notes in o what the handshake did on the wire, when round
// trips are counted.
func (w *worker) endHandshake(o *outcome) {
	if w.g.cfg.RoundTrips {
		o.trips, o.flight = w.rt.done()
	}
}

// tripStats is a worker's counts of round trips and first flights, per
// handshake kind (only with Config.RoundTrips; nil otherwise).
type tripStats struct {
	trips  [numKinds][results.MaxRoundTrips]int64
	flight [numKinds]*hdrhistogram.Histogram
}

func newTripStats() *tripStats {
	t := &tripStats{}
	for k := range numKinds {
		t.flight[k] = results.NewHistogram()
	}
	return t
}

func (t *tripStats) reset() {
	flight := t.flight
	for _, h := range flight {
		resetHistogram(h)
	}
	*t = tripStats{flight: flight}
}

// record files one completed handshake of kind k.
func (t *tripStats) record(k int, o *outcome) {
	t.trips[k][min(o.trips, results.MaxRoundTrips-1)]++
	if o.flight > 0 {
		t.flight[k].RecordValue(o.flight) // bytes; a value out of range cannot occur below 60 MB
	}
}

// collectTrips merges the workers' round trips and first flights into
// out's kinds.
func (g *Generator) collectTrips(out *results.Phase) error {
	if !g.cfg.RoundTrips {
		return nil
	}
	kinds := [numKinds]*results.Kind{&out.Kinds.Full, &out.Kinds.Resumed}
	for k := range numKinds {
		counts := make([]int64, results.MaxRoundTrips)
		flight := results.NewHistogram()
		for _, w := range g.workers {
			for i, n := range w.stats.trips.trips[k] {
				counts[i] += n
			}
			flight.Merge(w.stats.trips.flight[k])
		}
		kind := kinds[k]
		kind.RoundTripCounts = counts
		if med, ok := results.MedianRoundTrips(counts); ok {
			kind.RoundTrips = &med
		}
		s, err := results.Summarize(flight)
		if err != nil {
			return err
		}
		kind.FirstFlightBytes = &s
	}
	return nil
}
