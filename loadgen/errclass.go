package loadgen

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
)

// ErrorClass is the closed set of reasons a connection fails. Results store
// its String form.
type ErrorClass uint8

// The error classes.
const (
	// ErrOther is an error no other class describes; its sample says what.
	ErrOther ErrorClass = iota
	// ErrRefused: the server refused the TCP connection (nothing listens).
	ErrRefused
	// ErrPortsExhausted: the generator could not get a local port
	// (EADDRNOTAVAIL). A limit of the generator, not a server failure.
	ErrPortsExhausted
	// ErrTimeout: a step did not finish within its timeout.
	ErrTimeout
	// ErrRemoteAlert: the server sent a TLS alert; the sample names it.
	ErrRemoteAlert
	// ErrCertUnknownAuthority: the server's chain does not lead to a
	// trusted root.
	ErrCertUnknownAuthority
	// ErrCertName: the certificate is not valid for the server name.
	ErrCertName
	// ErrCertExpired: the certificate is expired or not yet valid.
	ErrCertExpired
	// ErrCertInvalid: any other certificate verification failure.
	ErrCertInvalid
	// ErrNegotiation: client and server share no version, cipher suite or
	// group: detected on the client, or told by the server with a
	// protocol_version, handshake_failure or insufficient_security alert.
	ErrNegotiation
	// ErrNotTLS: the server answered with bytes that are not TLS.
	ErrNotTLS
	// ErrReset: the connection was reset (RST, broken pipe).
	ErrReset
	// ErrEOF: the server closed the connection before the step finished.
	ErrEOF
	// ErrCanceled: the run was stopped (interrupted) during the step.
	ErrCanceled
	// ErrLocalResources: the generator ran out of file descriptors or
	// memory for sockets.
	ErrLocalResources
	// ErrClientCertRejected: the server rejected the client's certificate,
	// or wanted one that the client did not present: it sent
	// bad_certificate, unsupported_certificate, certificate_revoked,
	// certificate_expired, certificate_unknown, unknown_ca or
	// certificate_required, alerts a server sends only about the client's
	// certificate, or handshake_failure after it asked for one (OpenSSL
	// and Go answer a missing certificate so under TLS 1.2; negotiation
	// had succeeded by then). With TLS 1.3 the client's handshake completes before
	// the server has verified it, and the alert arrives with the first
	// read: such a connection counts as a failed handshake all the same.
	ErrClientCertRejected
	// ErrECHRejected: the server did not accept the Encrypted Client
	// Hello the client offered (tls.ech), which the client then refuses
	// to go on without.
	ErrECHRejected

	numErrorClasses
)

var errorClassNames = [numErrorClasses]string{
	ErrOther:                "other",
	ErrRefused:              "refused",
	ErrPortsExhausted:       "ports_exhausted",
	ErrTimeout:              "timeout",
	ErrRemoteAlert:          "remote_alert",
	ErrCertUnknownAuthority: "cert_unknown_authority",
	ErrCertName:             "cert_name",
	ErrCertExpired:          "cert_expired",
	ErrCertInvalid:          "cert_invalid",
	ErrNegotiation:          "negotiation",
	ErrNotTLS:               "not_tls",
	ErrReset:                "reset",
	ErrEOF:                  "eof",
	ErrCanceled:             "canceled",
	ErrLocalResources:       "local_resources",
	ErrClientCertRejected:   "client_cert_rejected",
	ErrECHRejected:          "ech_rejected",
}

// String returns the class's name as stored in result files.
func (c ErrorClass) String() string {
	if c < numErrorClasses {
		return errorClassNames[c]
	}
	return "other"
}

var errorClassHints = [numErrorClasses]string{
	ErrOther:                "see the sample message",
	ErrRefused:              "nothing listens at the address: check host:port and that the server runs",
	ErrPortsExhausted:       "the generator ran out of local ports: lower clients.concurrency, or widen net.ipv4.ip_local_port_range",
	ErrTimeout:              "a step exceeded its timeout: the server is stalled or overloaded; raise timeouts.* if it is only slow",
	ErrRemoteAlert:          "the server ended the handshake with this alert: see its logs, and what it accepts with tlsbench check host:port",
	ErrCertUnknownAuthority: "the certificate chain does not lead to a CA you trust: pass --ca FILE (target.ca_file) with the CA that signed it",
	ErrCertName:             "the certificate is not valid for the server name: set --server-name (target.server_name) to a name in the certificate",
	ErrCertExpired:          "the certificate is expired or not yet valid: renew it, or check the clocks",
	ErrCertInvalid:          "the certificate failed verification: see the sample message",
	ErrNegotiation:          "client and server share no protocol version, cipher suite or group: adjust tls.version and tls.groups to what the server accepts (tlsbench check host:port lists it)",
	ErrNotTLS:               "the server answered with bytes that are not TLS: is it a plain-text port (HTTP rather than HTTPS)?",
	ErrReset:                "the server reset the connection: it may be overloaded, crashing, or refusing this client",
	ErrEOF:                  "the server closed the connection early, without an alert: see its logs",
	ErrCanceled:             "the run was interrupted",
	ErrLocalResources:       "the generator ran out of file descriptors or socket buffers: raise ulimit -n, or lower clients.concurrency",
	ErrClientCertRejected:   "the server rejected the client certificate, or wants one (certificate required): set tls.client_cert with a certificate for client authentication, valid now, from a CA the server verifies with (tls.client_cert.cert_file/key_file for your own)",
	ErrECHRejected:          "the server did not accept Encrypted Client Hello: give the config list it publishes now (target.ech_config_file, --ech-config; a DNS HTTPS record's ech= parameter), or drop tls.ech",
}

// Hint says what to do about an error of the class.
func (c ErrorClass) Hint() string {
	if c < numErrorClasses {
		return errorClassHints[c]
	}
	return errorClassHints[ErrOther]
}

// Stage is where in a connection an error happened.
type Stage uint8

// The stages of a connection.
const (
	StageConnect Stage = iota
	StageHandshake
	StageAfter
	numStages
)

// String returns the stage's name as stored in result files.
func (s Stage) String() string {
	switch s {
	case StageConnect:
		return "connect"
	case StageHandshake:
		return "handshake"
	default:
		return "after"
	}
}

// Classify puts an error from a dial, handshake or read into its class.
// Local negotiation failures have no error type in crypto/tls; they are
// recognised by their message.
func Classify(err error) ErrorClass {
	var (
		oe   *net.OpError
		unk  x509.UnknownAuthorityError
		host x509.HostnameError
		inv  x509.CertificateInvalidError
		cve  *tls.CertificateVerificationError
		rhe  tls.RecordHeaderError
		ech  *tls.ECHRejectionError
	)
	switch {
	case err == nil:
		return ErrOther
	case errors.Is(err, context.Canceled):
		return ErrCanceled
	case errors.As(err, &oe) && oe.Op == "remote error":
		switch oe.Err.Error() {
		case "tls: protocol version not supported", "tls: handshake failure", "tls: insufficient security level":
			return ErrNegotiation
		case "tls: bad certificate", "tls: unsupported certificate", "tls: revoked certificate", "tls: expired certificate",
			"tls: unknown certificate", "tls: unknown certificate authority", "tls: certificate required":
			return ErrClientCertRejected
		}
		return ErrRemoteAlert
	case errors.As(err, &ech):
		return ErrECHRejected
	case errors.Is(err, ErrNoResponseAfterClientCert):
		return ErrClientCertRejected
	case errors.As(err, &unk):
		return ErrCertUnknownAuthority
	case errors.As(err, &host):
		return ErrCertName
	case errors.As(err, &inv):
		if inv.Reason == x509.Expired {
			return ErrCertExpired
		}
		return ErrCertInvalid
	case errors.As(err, &cve):
		return ErrCertInvalid
	case errors.As(err, &rhe):
		return ErrNotTLS
	case errors.Is(err, syscall.ECONNREFUSED):
		return ErrRefused
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return ErrPortsExhausted
	case errors.Is(err, syscall.EMFILE), errors.Is(err, syscall.ENFILE), errors.Is(err, syscall.ENOBUFS):
		return ErrLocalResources
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return ErrReset
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return ErrTimeout
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return ErrEOF
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return ErrTimeout
	}
	msg := err.Error()
	for _, s := range []string{
		"unsupported protocol version", "no supported versions", "no cipher suite",
		"unconfigured cipher suite", "no mutually supported", "unsupported curve",
		"CurvePreferences includes only", "does not support", "no ECDHE curve",
	} {
		if strings.Contains(msg, s) {
			return ErrNegotiation
		}
	}
	return ErrOther
}
