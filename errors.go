package scim

import (
	"errors"
	"fmt"
	"net/http"
)

// SCIM error types of RFC 7644 §3.12, carried in Error.ScimType.
const (
	ScimTypeInvalidFilter = "invalidFilter"
	ScimTypeTooMany       = "tooMany"
	ScimTypeUniqueness    = "uniqueness"
	ScimTypeMutability    = "mutability"
	ScimTypeInvalidSyntax = "invalidSyntax"
	ScimTypeInvalidPath   = "invalidPath"
	ScimTypeNoTarget      = "noTarget"
	ScimTypeInvalidValue  = "invalidValue"
	ScimTypeInvalidVers   = "invalidVers"
	ScimTypeSensitive     = "sensitive"
)

// Sentinel errors that stores return (wrapped with %w if they like) and the
// handler maps to SCIM responses with errors.Is.
var (
	// ErrNotFound means the resource does not exist (404).
	ErrNotFound = errors.New("scim: resource not found")
	// ErrConflict means a unique attribute collides with another resource
	// (409 uniqueness).
	ErrConflict = errors.New("scim: uniqueness conflict")
	// ErrVersionMismatch means the resource changed since the version the
	// caller read (412 for If-Match; the handler retries internal
	// read-modify-write cycles).
	ErrVersionMismatch = errors.New("scim: version mismatch")
	// ErrUnsupportedFilter means a store cannot evaluate a filter it was
	// given; the client gets 400 invalidFilter.
	ErrUnsupportedFilter = errors.New("scim: unsupported filter")
)

// Error is a SCIM protocol error (RFC 7644 §3.12). Return one (always as a
// pointer) from a store, verifier or hook to control the status, scimType
// and detail the client sees. Detail is shown to the identity provider's
// admin, so it must not contain secrets or internals; Err is the cause,
// kept for logs and errors.Is/As, and never sent.
type Error struct {
	Status   int
	ScimType string
	Detail   string
	Err      error
}

// Error implements error.
func (e *Error) Error() string {
	s := fmt.Sprintf("scim: %d", e.Status)
	if e.ScimType != "" {
		s += " " + e.ScimType
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns a new *Error with the given status, scimType and detail.
func Errorf(status int, scimType, format string, args ...any) *Error {
	return &Error{Status: status, ScimType: scimType, Detail: fmt.Sprintf(format, args...)}
}

func badRequest(scimType, format string, args ...any) *Error {
	return Errorf(http.StatusBadRequest, scimType, format, args...)
}

// toError maps any error to the *Error sent to the client. The second
// result is false when err is not a known SCIM condition: the client gets a
// generic 500 and the caller must log err.
func toError(err error) (*Error, bool) {
	var e *Error
	switch {
	case errors.As(err, &e):
		return e, true
	case errors.Is(err, ErrNotFound):
		return &Error{Status: http.StatusNotFound, Detail: "resource not found", Err: err}, true
	case errors.Is(err, ErrConflict):
		return &Error{Status: http.StatusConflict, ScimType: ScimTypeUniqueness, Detail: "a resource with the same unique attribute already exists", Err: err}, true
	case errors.Is(err, ErrVersionMismatch):
		return &Error{Status: http.StatusPreconditionFailed, Detail: "resource version does not match", Err: err}, true
	case errors.Is(err, ErrUnsupportedFilter):
		return &Error{Status: http.StatusBadRequest, ScimType: ScimTypeInvalidFilter, Detail: "filter is not supported", Err: err}, true
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &Error{Status: http.StatusRequestEntityTooLarge, Detail: fmt.Sprintf("request body exceeds %d bytes", mbe.Limit), Err: err}, true
	}
	return &Error{Status: http.StatusInternalServerError, Detail: "internal server error", Err: err}, false
}
