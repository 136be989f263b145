package check

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// WriteText writes what the check found for a terminal: a line per
// finding (versions, certificate, suites, groups, resumption by each
// mechanism, tickets, resumption across addresses, domains, notes), its
// name in an aligned first column.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, v) }
	row("target", fmt.Sprintf("%s (server name %s), %d connection(s) made", strings.Join(r.Addresses, ", "), r.ServerName, r.Connections))
	row("versions", "accepted "+list(r.Versions.Accepted)+"; refused "+probes(r.Versions.Results, false))
	if c := r.Certificate; c != nil {
		v := "verified"
		if !c.Verified {
			v = "NOT verified"
		}
		row("certificate", fmt.Sprintf("%s, chain of %d (%d bytes), %s, issued by %s, until %s, %s",
			c.Key, c.ChainLength, c.ChainBytes, c.Subject, c.Issuer, c.NotAfter.Format("2006-01-02"), v))
	}
	if len(r.CipherSuites.TLS12Results) > 0 {
		row("TLS 1.2 suites", "accepted "+list(r.CipherSuites.TLS12Accepted))
		row("", "refused "+probes(r.CipherSuites.TLS12Results, false))
	}
	if r.CipherSuites.TLS13Negotiated != "" {
		row("TLS 1.3 suite", r.CipherSuites.TLS13Negotiated+" (negotiated with Go's offer)")
	}
	for _, g := range []struct {
		version string
		set     GroupSet
	}{{"1.2", r.Groups.TLS12}, {"1.3", r.Groups.TLS13.GroupSet}} {
		name := "groups (TLS " + g.version + ")"
		if g.set.NotTested != "" {
			row(name, "not tested: "+g.set.NotTested)
			continue
		}
		how := "each offered alone"
		if g.set.OfferedWith != "" {
			how = "each offered first, with " + g.set.OfferedWith + " (the certificate's curve) after it, judged by the group negotiated"
		}
		row(name, "accepted "+list(g.set.Accepted)+"; refused "+probes(g.set.Results, false)+" ("+how+")")
		if d := g.set.Default; d != nil {
			v := "negotiated " + d.Negotiated
			if len(d.KeyShares) > 0 {
				v += ", key shares " + strings.Join(d.KeyShares, ", ")
			}
			if d.HelloRetry {
				v += ", after a HelloRetryRequest for " + d.HelloRetryGroup
			} else if g.version == "1.3" {
				v += ", no HelloRetryRequest"
			}
			row("", "Go's default offer: "+v)
		}
	}
	row("post-quantum", r.postQuantum())
	res := r.Resumption
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	row("resumption", "session ID: "+yes(res.SessionID)+" — "+res.Details[MechID])
	row("", "ticket (TLS 1.2): "+yes(res.TicketTLS12)+" — "+res.Details[MechTicket12])
	row("", "PSK (TLS 1.3): "+yes(res.PSKTLS13)+" — "+res.Details[MechPSK13])
	var hints []string
	for _, v := range []string{"tls12", "tls13"} {
		if h, ok := res.TicketLifetimeHintS[v]; ok {
			hints = append(hints, fmt.Sprintf("%s %d s", v, h))
		}
		if re, ok := res.TicketReissued[v]; ok {
			hints = append(hints, fmt.Sprintf("%s re-issued on resumption: %s", v, yes(re)))
		}
	}
	if len(hints) > 0 {
		row("tickets", "lifetime hint "+strings.Join(hints, "; "))
	}
	if r.EarlyData != "" {
		row("early data", strings.ReplaceAll(r.EarlyData, "_", " ")+" — "+r.EarlyDataDetail)
	}
	if len(r.Cross) > 0 {
		for _, m := range sortedKeys(r.DomainGroups) {
			var cells []string
			for _, x := range r.Cross {
				if x.Mechanism == m && x.From != x.To {
					mark := "full"
					if x.Resumed {
						mark = "resumed"
					}
					cells = append(cells, fmt.Sprintf("%s→%s %s", x.From, x.To, mark))
				}
			}
			row(fmt.Sprintf("across (%s: %d domain(s))", m, len(r.DomainGroups[m])), strings.Join(cells, ", "))
		}
	}
	if r.Domains != nil {
		var groups []string
		for _, g := range r.DomainGroups[r.DomainsBy] {
			groups = append(groups, "{"+strings.Join(g, " ")+"}")
		}
		row("domains", fmt.Sprintf("%d (by %s): %s", *r.Domains, r.DomainsBy, strings.Join(groups, " ")))
	}
	for _, n := range r.Notes {
		row("note", n)
	}
	return tw.Flush()
}

// list writes names, or "none".
func list(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// probes writes the probes accepted (or refused) with the refusal's alert.
func probes(ps []Probe, accepted bool) string {
	var out []string
	for _, p := range ps {
		if p.Accepted != accepted {
			continue
		}
		s := p.Name
		switch {
		case p.Alert != "":
			s += " (alert: " + p.Alert + ")"
		case p.Error != "":
			s += " (" + p.Error + ")"
		}
		out = append(out, s)
	}
	return list(out)
}

func sortedKeys(m map[string][][]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
