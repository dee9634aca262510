package entra

// Entra source attributes used in matching mappings.
const (
	// SourceUserPrincipalName is Entra's userPrincipalName (the sign-in
	// name, case-insensitive in Entra; guest UPNs arrive with #EXT#
	// stripped).
	SourceUserPrincipalName = "userPrincipalName"
	// SourceObjectID is Entra's immutable object id, a lower-case GUID.
	SourceObjectID = "objectId"
)

// Matching describes how an Entra admin maps Entra attributes to the SCIM
// attributes Entra matches users on ("matching precedence 1", §1.6). It is
// documentation a host can show in its setup page and use in tests; the
// handler needs no configuration for any of them.
type Matching struct {
	// Attribute is the SCIM attribute Entra filters on with matching
	// precedence 1: "userName" or "externalId".
	Attribute string
	// UserNameSource and ExternalIDSource are the Entra attributes mapped
	// to userName and externalId.
	UserNameSource, ExternalIDSource string
}

// DefaultMatching is Entra's default: userName ← userPrincipalName, matched
// on userName; externalId ← objectId (as in the Buuky seed mapping).
// userName is caseExact=false (RFC 7643 §4.1.1): the handler's filter
// compares it case-insensitively and stores check its uniqueness the same
// way, inactive users included, so a user the filter misses can never
// collide on POST.
func DefaultMatching() Matching {
	return Matching{Attribute: "userName", UserNameSource: SourceUserPrincipalName, ExternalIDSource: SourceObjectID}
}

// ExternalIDMatching is DefaultMatching with matching precedence 1 moved
// to externalId ← objectId. externalId is caseExact (RFC 7643 §3.1) and
// objectId never changes case, so the filter is reliable. The match query
// (externalId) and the uniqueness check (userName) are then on different
// attributes: a user deleted and re-created in Entra gets a new objectId,
// the filter finds nothing, and the POST answers 409 on its userName until
// the old account is deleted or renamed in the app.
func ExternalIDMatching() Matching {
	return Matching{Attribute: "externalId", UserNameSource: SourceUserPrincipalName, ExternalIDSource: SourceObjectID}
}

// ReversedMatching is the mapping one seed product asks for: userName ←
// objectId, externalId ← userPrincipalName, matched on userName (a GUID,
// so case rules do not matter). Do not move matching to externalId with
// this mapping: the UPN would be compared case-exactly although Entra
// treats it case-insensitively, so a UPN whose case changed no longer
// matches.
func ReversedMatching() Matching {
	return Matching{Attribute: "userName", UserNameSource: SourceObjectID, ExternalIDSource: SourceUserPrincipalName}
}

// Filter returns the filter Entra sends to match a user whose matching
// attribute has the value v, e.g. userName eq "adele.v@contoso.example".
func (m Matching) Filter(v string) string {
	return m.Attribute + " eq " + quote(v)
}

// CaseExact reports whether the handler compares the matching attribute
// case-exactly (externalId) rather than case-insensitively (userName).
func (m Matching) CaseExact() bool {
	return m.Attribute != "userName"
}
