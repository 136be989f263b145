package check

import (
	"crypto/tls"
	"fmt"
	"slices"
	"strings"

	"github.com/tlsbench/tlsbench/loadgen"
	"github.com/tlsbench/tlsbench/scenarios/kex"
)

// groups tests the key-exchange groups under each version the server
// accepts.
func (c *checker) groups(r *Report, addr string) {
	if c.has["1.2"] {
		c.groups12(r, addr)
	} else {
		r.Groups.TLS12.NotTested = "TLS 1.2 is refused"
	}
	if c.has["1.3"] {
		c.groups13(r, addr)
	} else {
		r.Groups.TLS13.NotTested = "TLS 1.3 is refused"
	}
}

// certCurve returns the group of an ECDSA certificate's curve, by
// keyType's name, and false for other keys.
func certCurve(key string) (kex.Group, bool) {
	switch key {
	case "ecdsa-p256":
		return kex.P256, true
	case "ecdsa-p384":
		return kex.P384, true
	case "ecdsa-p521":
		return kex.P521, true
	}
	return "", false
}

// groups12 offers each group TLS 1.2 can negotiate, first in the list and
// followed by the ECDSA certificate's curve, on the session-ID engine:
// crypto/tls sends its groups in its own fixed order whatever the
// configuration says, so that with P-256 listed a server that follows the
// client's order would never be seen to choose P-384. A group is accepted
// when the server negotiated it. With an ECDSA certificate, one more offer
// of x25519 alone shows whether a client that omits the certificate's
// curve is refused.
func (c *checker) groups12(r *Report, addr string) {
	set := &r.Groups.TLS12
	curve, ecdsa := certCurve(c.certKey12)
	if ecdsa {
		set.OfferedWith = string(curve)
	}
	var passed []string
	for _, g := range kex.Groups() {
		if g.TLS13Only() {
			continue
		}
		offer := []kex.Group{g}
		if ecdsa && g != curve {
			offer = append(offer, curve)
		}
		p := c.offer12(addr, string(g), offer)
		if p.Accepted && p.Negotiated != string(g) {
			p.Accepted = false
			p.Error = "not chosen: the server negotiated " + p.Negotiated
			passed = append(passed, string(g))
		}
		set.add(p)
	}
	if len(passed) > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("TLS 1.2: %s, each offered first with %s after it, were passed over for %s: the server does not accept them, or prefers %s in an order of its own (with this certificate a client must list %s, so nothing more can be learned)",
			strings.Join(passed, ", "), curve, curve, curve, curve))
	}
	if !ecdsa || curve == kex.X25519 || !slices.Contains(set.Accepted, string(kex.X25519)) {
		return
	}
	if p := c.offer12(addr, string(kex.X25519), []kex.Group{kex.X25519}); !p.Accepted {
		why := p.Alert
		if why == "" {
			why = p.Error
		}
		r.Notes = append(r.Notes, fmt.Sprintf("TLS 1.2 with this %s certificate needs %s among the client's groups: x25519 is accepted when offered beside it, but a client that offers x25519 alone is refused (%s; OpenSSL logs \"no shared cipher\"), because the certificate's curve must be one the client supports",
			c.certKey12, curve, why))
	}
}

// offer12 makes one TLS 1.2 handshake offering groups in this order, and
// records the group negotiated.
func (c *checker) offer12(addr, name string, groups []kex.Group) Probe {
	client := &loadgen.IDClient{ServerName: c.cfg.ServerName, RootCAs: c.cfg.RootCAs}
	for _, g := range groups {
		id, _ := g.ID()
		client.CurvePreferences = append(client.CurvePreferences, id)
	}
	conn, err := c.idConnect(client, addr, nil)
	p := Probe{Name: name, Accepted: err == nil}
	if err != nil {
		p.Alert, p.Error = refusal(err)
		return p
	}
	p.Negotiated = string(kex.Named(conn.State.Curve))
	return p
}

// groups13 offers each group alone, with its key share, under TLS 1.3,
// and sets HelloRetry from Go's default offer.
func (c *checker) groups13(r *Report, addr string) {
	set := &r.Groups.TLS13
	for _, g := range kex.Groups() {
		id, _ := g.ID()
		cfg := c.tlsConfig(tls.VersionTLS13, tls.VersionTLS13)
		cfg.CurvePreferences = []tls.CurveID{id}
		o := c.connect(addr, cfg, nil, false)
		p := probe(string(g), o)
		p.Negotiated = ""
		if o.err == nil {
			p.Negotiated = string(kex.Named(o.state.CurveID))
		}
		p.HelloRetry = o.state.HelloRetryRequest || (o.hello != nil && o.hello.helloRetry)
		if p.Accepted && p.Negotiated != string(g) {
			p.Accepted = false
			p.Error = fmt.Sprintf("the handshake negotiated %s, not the group offered", p.Negotiated)
		}
		set.add(p)
	}
	if d := set.Default; d != nil && d.HelloRetry {
		set.HelloRetry = true
		r.Notes = append(r.Notes, fmt.Sprintf("Go's default TLS 1.3 offer (key shares %s) drew a HelloRetryRequest for %s: every full handshake of a client with Go's defaults costs one more round trip to this server; a server that accepts one of those key shares avoids it",
			strings.Join(d.KeyShares, ", "), d.HelloRetryGroup))
	}
}

// add files a group's probe.
func (s *GroupSet) add(p Probe) {
	s.Results = append(s.Results, p)
	if p.Accepted {
		s.Accepted = append(s.Accepted, p.Name)
	} else {
		s.Refused = append(s.Refused, p.Name)
	}
}

// defaultOffer describes what Go's default offer met on a version probe's
// connection.
func defaultOffer(o outcome) *DefaultOffer {
	d := &DefaultOffer{Negotiated: string(kex.Named(o.state.CurveID)), Groups: []string{}, HelloRetry: o.state.HelloRetryRequest}
	if h := o.hello; h != nil {
		for _, g := range h.groups {
			d.Groups = append(d.Groups, string(kex.Named(g)))
		}
		for _, g := range h.shares {
			d.KeyShares = append(d.KeyShares, string(kex.Named(g)))
		}
		d.HelloRetry = d.HelloRetry || h.helloRetry
		if h.retryGroup != 0 {
			d.HelloRetryGroup = string(kex.Named(h.retryGroup))
		}
	}
	if d.HelloRetry && d.HelloRetryGroup == "" {
		d.HelloRetryGroup = d.Negotiated
	}
	return d
}

// postQuantum is the text of the post-quantum line: whether the server
// accepts X25519MLKEM768, the hybrid group browsers and Go offer first,
// and what else.
func (r *Report) postQuantum() string {
	set := r.Groups.TLS13
	if set.NotTested != "" {
		return "X25519MLKEM768 refused (" + set.NotTested + ": the hybrid groups need TLS 1.3)"
	}
	pq := func(accepted bool) []string {
		var out []string
		for _, p := range set.Results {
			if g := kex.Group(p.Name); g.TLS13Only() && p.Accepted == accepted && g != kex.X25519MLKEM768 {
				out = append(out, p.Name)
			}
		}
		return out
	}
	var why []string
	verdict := "refused"
	for _, p := range set.Results {
		if p.Name != string(kex.X25519MLKEM768) {
			continue
		}
		if p.Accepted {
			verdict = "accepted"
			why = append(why, "TLS 1.3, offered alone")
		} else {
			why = append(why, "offered alone: "+refusalText(p))
		}
	}
	if d := set.Default; d != nil {
		s := "Go's default offer negotiated " + d.Negotiated
		if d.HelloRetry {
			s += " after a HelloRetryRequest"
		} else {
			s += " with no HelloRetryRequest"
		}
		why = append(why, s)
	}
	if other := pq(true); len(other) > 0 {
		why = append(why, "other hybrids accepted: "+strings.Join(other, ", "))
	}
	if other := pq(false); len(other) > 0 {
		why = append(why, "other hybrids refused: "+strings.Join(other, ", "))
	}
	return "X25519MLKEM768 " + verdict + " (" + strings.Join(why, "; ") + ")"
}

// refusalText says why a probe was refused.
func refusalText(p Probe) string {
	switch {
	case p.Alert != "":
		return "alert: " + p.Alert
	case p.Error != "":
		return p.Error
	}
	return "refused"
}
