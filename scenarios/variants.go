package scenarios

// ClientCert is the certificate every client presents for mutual TLS
// (tls.client_cert): a throwaway one of Key's type, signed by a client CA
// of its own that tlsbench makes beside the server's (private keys 0600,
// never written to results or logs), or your own CertFile and KeyFile.
// The servers tlsbench starts (the embedded testbed, nginx and HAProxy
// nodes) require a client certificate and verify it against that CA, or
// against CAFile for your own; a remote server verifies it with its own.
// One certificate serves every client: the server verifies it on every
// full handshake, and a resumed handshake carries none.
type ClientCert struct {
	// Key is the throwaway certificate's key type: rsa-2048, ecdsa-p256
	// or ed25519. Default: ecdsa-p256. With CertFile it is taken from the
	// certificate.
	Key KeyType `yaml:"key" json:"key,omitempty"`

	// CertFile and KeyFile are your own client certificate chain (PEM,
	// leaf first) and its private key. A key file that others can read
	// is warned about.
	CertFile string `yaml:"cert_file" json:"cert_file,omitempty"`
	KeyFile  string `yaml:"key_file" json:"key_file,omitempty"`

	// CAFile is the CA (PEM) that issued CertFile, which the servers
	// tlsbench starts verify it with. Needed with CertFile on them;
	// unused with a remote target.
	CAFile string `yaml:"ca_file" json:"ca_file,omitempty"`
}

// clientCert checks tls.client_cert and what it can be combined with.
func (v *validator) clientCert(s *Scenario) {
	cc := s.TLS.ClientCert
	if cc == nil {
		return
	}
	const p = "tls.client_cert"
	if cc.Key != "" || cc.CertFile == "" {
		enum(v, p+".key", "key type", cc.Key, keyTypes)
	}
	if (cc.CertFile == "") != (cc.KeyFile == "") {
		v.add(p+".cert_file", "cert_file and key_file go together")
	}
	switch remote := !s.Target.Embedded(); {
	case remote && cc.CAFile != "":
		v.add(p+".ca_file", "a remote server verifies client certificates with its own CA; ca_file is for the servers tlsbench starts")
	case !remote && cc.CertFile != "" && cc.CAFile == "":
		v.add(p+".ca_file", "the servers tlsbench starts verify your client certificate against the CA that issued it: set ca_file")
	case cc.CAFile != "" && cc.CertFile == "":
		v.add(p+".ca_file", "ca_file goes with cert_file: the throwaway client certificate comes with a CA of its own")
	}
	if s.Resumption == ResumeIDs {
		v.add(p, "resumption ids runs on the session-ID engine (uTLS), which presents no client certificate")
	}
	if s.Server == ServerOpenSSL {
		v.add(p, "openssl s_server nodes are not given a client CA (tlsbench reads their counts with a connection of its own): use the embedded testbed, nginx or haproxy")
	}
	if s.TLS.Version == TLS13 && s.AfterHandshake == Close {
		v.add(p, "with TLS 1.3 the server's verdict on the client certificate comes after the client's handshake has completed, with the first read; after_handshake close never reads it: use read-eof, http or ticket")
	}
}

// ech checks tls.ech and target.ech_config_file.
func (v *validator) ech(s *Scenario) {
	remote := !s.Target.Embedded()
	if !s.TLS.ECH {
		if s.Target.ECHConfigFile != "" {
			v.add("target.ech_config_file", "an ECH config list is used with tls.ech: true")
		}
		return
	}
	if s.TLS.Version != TLS13 {
		v.add("tls.ech", "Encrypted Client Hello needs TLS 1.3 (tls.version is %s)", s.TLS.Version)
	}
	if s.Server.Real() {
		v.add("tls.ech", "the %s of this machine's packages has no ECH: tls.ech runs on the embedded testbed, or against a target.address with its ech_config_file", s.Server)
	}
	switch {
	case remote && s.Target.ECHConfigFile == "":
		v.add("tls.ech", "a remote target's ECH config list is needed: set target.ech_config_file (or --ech-config FILE with --target)")
	case !remote && s.Target.ECHConfigFile != "":
		v.add("target.ech_config_file", "the embedded testbed makes its own ECH key and config list; ech_config_file is for a target.address")
	}
}
