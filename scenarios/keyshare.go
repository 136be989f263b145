package scenarios

import "github.com/tlsbench/tlsbench/scenarios/kex"

// maxReuseKeyShare bounds tls.reuse_key_share.
const maxReuseKeyShare = 1 << 20

// reuseKeyShare checks tls.reuse_key_share, the lab mode of a client that
// reuses its key share (see TLS.ReuseKeyShare).
func (v *validator) reuseKeyShare(s *Scenario) {
	t := s.TLS
	if t.ReuseKeyShare == 0 {
		return
	}
	if !v.rangeInt("tls.reuse_key_share", t.ReuseKeyShare, 1, maxReuseKeyShare) {
		return
	}
	if t.Version != TLS13 {
		v.add("tls.reuse_key_share", "a key share is TLS 1.3's (a TLS 1.2 client's ECDHE key is made inside the key exchange): use tls.version 1.3, or leave reuse_key_share out")
	}
	if len(t.Groups) > 0 && t.Groups[0] != kex.X25519 && t.Groups[0] != kex.P256 {
		v.add("tls.reuse_key_share", "the reused key share is for the first of tls.groups, which must be x25519 or p256, got %s", t.Groups[0])
	}
	if t.ClientCert != nil || t.ECH {
		v.add("tls.reuse_key_share", "the lab mode goes with neither tls.client_cert nor tls.ech")
	}
	if s.Resumption == ResumeIDs {
		v.add("tls.reuse_key_share", "session IDs are TLS 1.2's; the lab mode is TLS 1.3's")
	}
}
