package imanage

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"strings"
	"syscall"
)

// Cause is what kind of failure kept a request from its answer, for
// telling a user what to fix (bulk check). The transport's own error is
// not kept (its text may quote what the service sent; see cleanError):
// only this classification of it is.
type Cause int

const (
	CauseNone                Cause = iota // answered, or nothing known
	CauseDNS                              // the host name does not resolve
	CauseRefused                          // nothing listens at the address
	CauseTimeout                          // no answer in time
	CauseTLSUnknownAuthority              // the certificate's authority is not trusted here
	CauseTLSHostname                      // the certificate is for another host
	CauseTLSInvalid                       // the certificate expired, is not yet valid, or is unfit
	CauseNotTLS                           // the other end does not speak TLS
	CauseTLS                              // another TLS failure
	CauseOther
)

// CauseOf is the cause of err's failure, when err is a request's.
func CauseOf(err error) Cause {
	var ce *cleanError
	if errors.As(err, &ce) {
		return ce.cause
	}
	if errors.Is(err, errTimeout) {
		return CauseTimeout
	}
	return CauseNone
}

// classify finds the cause of a transport error.
func classify(err error) Cause {
	var (
		dns      *net.DNSError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
		header   tls.RecordHeaderError
		alert    tls.AlertError
		netErr   net.Error
	)
	switch {
	case errors.As(err, &unknown):
		return CauseTLSUnknownAuthority
	case errors.As(err, &hostname):
		return CauseTLSHostname
	case errors.As(err, &invalid):
		return CauseTLSInvalid
	case errors.As(err, &header), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		// net/http turns the record header error into text of its own.
		return CauseNotTLS
	case errors.As(err, &verify), errors.As(err, &alert):
		return CauseTLS
	case errors.As(err, &dns):
		return CauseDNS
	case errors.Is(err, syscall.ECONNREFUSED):
		return CauseRefused
	case errors.As(err, &netErr) && netErr.Timeout():
		return CauseTimeout
	}
	return CauseOther
}
