package scim

import "time"

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
