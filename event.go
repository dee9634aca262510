package scim

import (
	"context"
	"log/slog"
	"time"
)

// Operation names what a request did, in terms an admin's "sync health"
// view can show.
type Operation string

// The operations reported in Event.Operation.
const (
	OpQuery        Operation = "query" // a list or search without a filter
	OpMatch        Operation = "match" // a filtered list or search (an IdP match query)
	OpGet          Operation = "get"
	OpCreate       Operation = "create"
	OpReplace      Operation = "replace"
	OpUpdate       Operation = "update"     // PATCH that changed neither active nor members
	OpDeactivate   Operation = "deactivate" // a write that set active from true to false
	OpReactivate   Operation = "reactivate" // a write that set active from false to true
	OpDelete       Operation = "delete"
	OpMemberChange Operation = "members"      // group PATCH with member changes
	OpDiscovery    Operation = "discovery"    // /Schemas, /ResourceTypes, /ServiceProviderConfig
	OpUnauthorized Operation = "unauthorized" // the bearer token was missing or refused
	OpUnknown      Operation = "unknown"
)

// Event reports one completed SCIM request to the host (WithEventHook). It
// never contains the bearer token or a request body.
type Event struct {
	Time      time.Time
	Duration  time.Duration
	Principal Principal
	// Authenticated is false when the request failed authentication.
	Authenticated bool
	Method        string
	// Path is the request path relative to the mount point, without the
	// query string.
	Path         string
	ResourceType string // "User", "Group" or ""
	ResourceID   string
	Operation    Operation
	Status       int
	// ScimType and Detail are the SCIM error sent, if any.
	ScimType string
	Detail   string
	// Err is the underlying cause of a failure (for 500s, the error the
	// client did not see). Do not show it to IdP admins.
	Err error
	// Rules lists the normalizer rules that fired for this request.
	Rules []string
}

// LogEvents returns an event hook (for WithEventHook) that writes one
// structured log record per request to l: Info for successes, Warn for
// client errors, Error for server errors. Records carry the tenant,
// method, path, operation, status, SCIM error and duration, and the rules
// that fired; never tokens or bodies (the path has no query string, so
// filter values such as userNames are not logged either).
func LogEvents(l *slog.Logger) func(context.Context, Event) {
	return func(ctx context.Context, e Event) {
		level := slog.LevelInfo
		switch {
		case e.Status >= 500:
			level = slog.LevelError
		case e.Status >= 400:
			level = slog.LevelWarn
		}
		attrs := []slog.Attr{
			slog.String("tenant", e.Principal.Tenant),
			slog.String("method", e.Method),
			slog.String("path", e.Path),
			slog.String("operation", string(e.Operation)),
			slog.Int("status", e.Status),
			slog.Duration("duration", e.Duration),
		}
		if e.ResourceID != "" {
			attrs = append(attrs, slog.String("id", e.ResourceID))
		}
		if e.ScimType != "" {
			attrs = append(attrs, slog.String("scimType", e.ScimType))
		}
		if e.Detail != "" && e.Status < 500 {
			attrs = append(attrs, slog.String("detail", e.Detail))
		}
		if e.Err != nil && e.Status >= 500 {
			attrs = append(attrs, slog.String("error", e.Err.Error()))
		}
		if len(e.Rules) > 0 {
			attrs = append(attrs, slog.Any("rules", e.Rules))
		}
		l.LogAttrs(ctx, level, "scim request", attrs...)
	}
}
