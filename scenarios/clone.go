package scenarios

import "slices"

// Clone returns a deep copy of s: the copy shares no slice or pointer with
// s, so that changing one (applying overrides, resolving a run) leaves the
// other as it was.
func (s *Scenario) Clone() *Scenario {
	c := *s
	c.TLS.Groups = slices.Clone(s.TLS.Groups)
	c.TLS.ServerGroups = slices.Clone(s.TLS.ServerGroups)
	c.TLS.Chain = clonePtr(s.TLS.Chain)
	c.TLS.ClientCert = clonePtr(s.TLS.ClientCert)
	c.Clients.SourceAddresses = slices.Clone(s.Clients.SourceAddresses)
	c.Target.Addresses = slices.Clone(s.Target.Addresses)
	c.Phases = slices.Clone(s.Phases)
	for i, p := range c.Phases {
		c.Phases[i].Record = clonePtr(p.Record)
	}
	if s.Sweep != nil {
		sw := *s.Sweep
		c.Sweep = &sw
	}
	c.Faults = slices.Clone(s.Faults)
	c.Close.Notify = clonePtr(s.Close.Notify)
	if s.Network != nil {
		n := *s.Network
		n.RTT = slices.Clone(s.Network.RTT)
		c.Network = &n
	}
	c.Thresholds = clonePtr(s.Thresholds)
	return &c
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}
