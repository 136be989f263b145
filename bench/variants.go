package bench

import (
	"fmt"
	"strings"

	"github.com/tlsbench/tlsbench/loadgen"
	"github.com/tlsbench/tlsbench/results"
	"github.com/tlsbench/tlsbench/scenarios"
)

// variants gives the generator what the setup resolved for mutual TLS
// and ECH.
func (s *setup) variants(cfg *loadgen.Config) {
	if s.client != nil {
		cfg.ClientCertificate = &s.client.cert
	}
	if s.ech != nil {
		cfg.ECHConfigList = s.ech.list
	}
}

// describeVariants says in the result what the clients presented and
// offered, and the public name of the ECH config.
func (s *setup) describeVariants(run *results.Run) {
	if s.client != nil {
		run.Client.ClientCert = s.client.describe
	}
	if s.ech != nil {
		run.Client.ECH = s.ech.describe()
		run.Target.ECHPublicName = strings.Join(s.ech.publicNames, ", ")
	}
}

// variantWarnings checks that every full handshake of a run with a client
// certificate was mutual TLS (the server asked for it; a resumed one
// carries none), and that every completed handshake of a run with ECH
// accepted it.
func variantWarnings(sc *scenarios.Scenario, run *results.Run) []results.Warning {
	var ws []results.Warning
	for _, p := range run.Phases {
		h := p.Handshakes
		if sc.TLS.ClientCert != nil && h.ClientCert < h.Full {
			ws = append(ws, results.Warning{Code: results.WarnClientCertNotRequested, Phase: p.Name,
				Message: fmt.Sprintf("the server asked for the client certificate on %d of %d full handshakes: the others were not mutual TLS", h.ClientCert, h.Full)})
		}
		if sc.TLS.ECH && h.ECHAccepted < h.Completed() {
			ws = append(ws, results.Warning{Code: results.WarnECHNotAccepted, Phase: p.Name,
				Message: fmt.Sprintf("ECH was accepted on %d of %d completed handshakes", h.ECHAccepted, h.Completed())})
		}
	}
	return ws
}
