package results

import "encoding/json"

// VariantPair is a group run with a variant of TLS that costs something
// on every handshake, mutual TLS (Labels.MTLS) or Encrypted Client Hello
// (Labels.ECH), beside its baseline: the group whose labels are the same
// in everything, the resumption mode included, but the variant.
type VariantPair struct {
	// What names the variant: "mTLS ecdsa-p256", "ECH", or both.
	What string
	// Variant and Baseline are the two groups.
	Variant, Baseline *Group
}

// Variants returns, for every group of the set run with a client
// certificate or with ECH, the group run without them, when the set holds
// one, in the order of the variant groups. A variant without a baseline in
// the set is left out.
func (s *Set) Variants() []VariantPair {
	plain := map[string]*Group{}
	for _, g := range s.Groups {
		if l := g.Labels(); l.Known() && !l.MTLS && !l.ECH {
			if k := l.variantKey(); plain[k] == nil {
				plain[k] = g
			}
		}
	}
	var out []VariantPair
	for _, g := range s.Groups {
		l := g.Labels()
		if !l.Known() || !l.MTLS && !l.ECH {
			continue
		}
		base := plain[l.variantKey()]
		if base == nil {
			continue
		}
		what := ""
		if l.MTLS {
			what = "mTLS " + l.ClientKey
		}
		if l.ECH {
			if what != "" {
				what += " + "
			}
			what += "ECH"
		}
		out = append(out, VariantPair{What: what, Variant: g, Baseline: base})
	}
	return out
}

// variantKey identifies labels without their variant: the labels a
// baseline run has.
func (l Labels) variantKey() string {
	l.MTLS, l.ClientKey, l.ECH = false, "", false
	b, err := json.Marshal(l)
	if err != nil { // a struct of strings, ints and bools always marshals
		panic(err)
	}
	return string(b)
}
