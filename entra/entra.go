// Package entra makes a scim.Handler accept what Microsoft Entra ID (Azure
// AD) provisioning really sends. It is a one-line opt-in:
//
//	h, err := scim.New(store, scim.StaticTokens(token),
//		scim.WithBaseURL("https://app.example.com/scim/v2"),
//		entra.Compat(),
//	)
//
// Compat installs a scim.Normalizer: pure, idempotent functions that run on
// decoded requests (after authentication, before validation). They never
// rewrite HTTP bodies. A request that already follows RFC 7644 passes
// through unchanged and fires no rule, so Compat is harmless for Okta and
// for Entra tenants that set the aadOptscim062020 flag. Both Entra dialects
// (with and without aadOptscim062020) are accepted on every request: Entra's
// on-demand provisioning ignores the flag, so one tenant sends both.
//
// # Rules
//
// Each deviation Compat handles is a rule with an exported name (RuleOpCase,
// RuleStringBoolean, …). A rule is reported through
// scim.NormalizeContext.Fired only when it changed the request, so
// Handler.RuleCounts and Event.Rules show which Entra quirks a tenant
// actually uses. The sections cited (§) are those of the project's
// idp-requests.md; the transcripts under testdata/ replay each rule through a
// real handler (the README's "Entra setup" section has the rule → transcript table).
//
// # Soft delete
//
// Entra disables a user by mapping IsSoftDeleted to active. The default
// mapping for custom SCIM apps, Switch([IsSoftDeleted], , "False", "True",
// "True", "False"), sends "True"/"False"; the lower-case variant
// Switch([IsSoftDeleted], , "False", "true", "True", "false") sends
// "true"/"false"; with aadOptscim062020 the values are JSON booleans. The
// chain is: RuleStringBoolean turns any-case string booleans into JSON
// booleans (in POST/PUT bodies, pathed and path-less PATCH values); the core
// then applies active=false or active=true and reports the change to the host
// as Event.Operation scim.OpDeactivate or scim.OpReactivate (never a
// DELETE). A missing, null or empty active (a Switch that fell through to its
// empty default) means "no change": RuleActiveEmpty drops it. The user stays
// readable by GET and by filters while inactive.
//
// # Matching
//
// Entra finds an existing account by filtering on the attribute with
// matching precedence 1, one attribute at a time, and POSTs when the filter
// finds nothing. A 409 on that POST is not turned into a match, so the
// filter and the uniqueness check must compare the same way. See Matching
// for the mappings seen in practice:
//
//   - DefaultMatching: userName ← userPrincipalName (Entra's default).
//     userName is caseExact=false (RFC 7643 §4.1.1): the handler filters it
//     case-insensitively and stores must check its uniqueness
//     case-insensitively, inactive users included. Filter and uniqueness
//     agree.
//   - ExternalIDMatching: externalId ← objectId. externalId is caseExact
//     (RFC 7643 §3.1), so filter and any uniqueness check are case-exact;
//     objectId is a GUID Entra always sends in the same (lower) case.
//   - ReversedMatching: userName ← objectId, externalId ← userPrincipalName
//     (one seed product). Matching on userName (a GUID) is safe. If an admin
//     moves matching to externalId, the UPN is compared case-exactly although
//     UPNs are case-insensitive in Entra: a UPN whose case changed in Entra
//     no longer matches, and Entra creates a second account (or loops on
//     409 if the store checks externalId uniqueness case-insensitively).
//     Keep matching on userName with this mapping.
//
// # Entra setup
//
// Tenant URL: the handler's base URL (scim.WithBaseURL), e.g.
// https://app.example.com/scim/v2; Entra appends /Users and /Groups. Secret
// Token: one of the tokens given to scim.StaticTokens. Flags such as
// ?aadOptscim062020 appended to the tenant URL are ignored by the handler.
// If the admin leaves the Secret Token empty, Entra sends JWTs it issues
// itself (issuer https://sts.windows.net/<tenant-id>/, audience
// NonGalleryAudience); NewTokenVerifier checks those against Microsoft's
// key set. Microsoft calls that mode "testing only"; prefer a secret token.
package entra

import "github.com/scimkit/scim"

// The rule names Compat reports through scim.NormalizeContext.Fired.
const (
	// RuleOpCase: Entra sends PATCH op values "Add", "Replace", "Remove"
	// (capitalized) without aadOptscim062020 (§2.3, §2.5). They are
	// lower-cased. The core compares op case-insensitively anyway; the rule
	// counts how often the old dialect is seen.
	RuleOpCase = "entra.op-case"

	// RuleStringBoolean: Entra sends booleans as strings, "True"/"False" or
	// "true"/"false" (§1.9, §2.3.3, §2.5), for active and for any boolean
	// attribute (emails[..].primary, roles[..].primary), in POST/PUT bodies,
	// PATCH values (pathed, path-less, nested, value-path targets such as
	// emails[type eq "work"].primary) and filters (roles[primary eq "True"],
	// §2.3.2). Strings equal to true or false in any case become JSON
	// booleans; any other string is left alone and the core answers 400
	// invalidValue.
	RuleStringBoolean = "entra.string-boolean"

	// RulePathlessKeys: with aadOptscim062020 Entra merges attribute changes
	// into one path-less add/replace whose value keys are attribute paths:
	// dotted ("name.givenName") or URN-qualified
	// ("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber")
	// (§2.3.6, §2.5). Each such key becomes its own pathed operation (a null
	// value becomes a remove for replace and is dropped for add); plain keys
	// stay in a path-less operation.
	RulePathlessKeys = "entra.pathless-keys"

	// RuleMembersRemoveValue: without aadOptscim062020 Entra removes group
	// members with {"op":"Remove","path":"members","value":[{"value":"id"}]}
	// (§2.6, §2.5), which RFC 7644 would read as "clear the group". Each
	// listed member becomes one remove members[value eq "id"]; an empty list
	// removes nothing.
	RuleMembersRemoveValue = "entra.members-remove-value"

	// RuleUpsertValuePath: Entra sends add and replace on a
	// [type eq "x"] value path whose element does not exist yet, expecting
	// it to be created (§2.3.2). The core creates the element seeded from
	// the filter (scim.Normalizer.UpsertValuePath) and reports this rule.
	RuleUpsertValuePath = "entra.upsert-value-path"

	// RuleManagerValueFilter: Entra removes a manager with
	// remove manager[value eq "id"], a value filter on a single-valued
	// complex attribute (§2.3.5). The core removes the manager if it matches
	// (scim.Normalizer.SingleValuedFilter) and reports this rule.
	RuleManagerValueFilter = "entra.manager-value-filter"

	// RuleManagerString: Entra sends the enterprise manager as the
	// manager's id in a bare string (POST enterprise object "manager":"id",
	// PATCH value for path manager or its URN-qualified form, path-less key)
	// or, in the legacy protocol, as a one-element array of {"$ref","value"}
	// (§2.2, §2.3.5). All become {"value": id} (an empty string becomes
	// null). Responses always carry the complex form (the core's job).
	RuleManagerString = "entra.manager-string"

	// RuleManagerPath: Entra's legacy protocol and its manager removal use
	// the unqualified path "manager" (also manager[value eq "id"] and
	// manager.value, and the key "manager" in a path-less value), although
	// manager belongs to the enterprise extension, not the core schema
	// (§2.3.5); so does the legacy reference-check filter
	// id eq "…" and manager eq "…" (§2.1). The path is qualified with
	// EnterpriseUserURN.
	RuleManagerPath = "entra.manager-path"

	// RuleUnquotedFilter: Microsoft's documentation writes filter values
	// without quotes (externalId eq adelev; id eq 123 and manager eq 456)
	// (§2.1). A bare token after a comparison operator is quoted when the
	// attribute is a string (also numbers, so "0123" keeps its zero), or
	// when the attribute is unknown and the token is not a JSON literal
	// (true, false, null, a number). A number that still reaches a string
	// attribute (scim.Normalizer.FilterValue) becomes its string form. Only
	// single-token values are handled; values with spaces must be quoted.
	RuleUnquotedFilter = "entra.unquoted-filter"

	// RuleEmptyOperations: the Microsoft SCIM Validator sends PATCH with
	// "Operations": [] (§2.3), which RFC 7644 does not allow. The core
	// treats it as a no-op success; the rule counts it.
	RuleEmptyOperations = "entra.empty-operations"

	// RuleUndeclaredExtension: Entra sends custom extension objects under
	// their URN without listing the URN in schemas (§2.2). The core ignores
	// schemas on input, so nothing breaks; the rule adds the URN to schemas
	// (the RFC 7643 §3 form) and counts it.
	RuleUndeclaredExtension = "entra.undeclared-extension"

	// RuleActiveEmpty: a Switch mapping on active can evaluate to null or
	// to its empty default (§1.9): Entra then sends active null or "". That
	// means "no change": the PATCH operation (or path-less key) is dropped,
	// and the key is removed from POST/PUT bodies (the core treats a missing
	// active on PUT as unchanged).
	RuleActiveEmpty = "entra.active-empty"

	// RuleRoleJSONString: app-role mappings (SingleAppRoleAssignment,
	// AppRoleAssignmentsComplex) send roles whose value is a JSON-encoded
	// object string, {"value":"{\"id\":…,\"value\":\"Approver\",\"displayName\":\"Approver\"}"}
	// (§2.3.7). The object is unwrapped into the role's value, display
	// (from displayName or display), type and primary; fields the role
	// element sets itself win.
	RuleRoleJSONString = "entra.role-json-string"
)

// Rules returns every rule name Compat may report, in a fixed order.
func Rules() []string {
	return []string{
		RuleOpCase, RuleStringBoolean, RulePathlessKeys, RuleMembersRemoveValue,
		RuleUpsertValuePath, RuleManagerValueFilter, RuleManagerString, RuleManagerPath,
		RuleUnquotedFilter, RuleEmptyOperations, RuleUndeclaredExtension,
		RuleActiveEmpty, RuleRoleJSONString,
	}
}

// Name is the normalizer name Compat installs.
const Name = "entra"

// Compat returns the option that makes a scim.Handler accept Microsoft
// Entra ID provisioning traffic in both dialects. See the package
// documentation for the rules it applies.
func Compat() scim.Option {
	return scim.WithNormalizer(Normalizer())
}

// Normalizer returns the scim.Normalizer that Compat installs, for hosts
// that combine it with their own normalizers or test it directly.
func Normalizer() scim.Normalizer {
	return scim.Normalizer{
		Name:  Name,
		Rules: Rules(),
		Filter: func(nc *scim.NormalizeContext, filter string) string {
			return normalizeFilter(nc, filter, "")
		},
		FilterValue: func(nc *scim.NormalizeContext, attr scim.AttrInfo, value any) any {
			return normalizeFilterValue(nc, attr, value)
		},
		Resource: func(nc *scim.NormalizeContext, doc map[string]any) {
			normalizeResource(nc, doc)
		},
		Patch: func(nc *scim.NormalizeContext, ops []scim.PatchOp) []scim.PatchOp {
			return normalizePatch(nc, ops)
		},
		UpsertValuePath:        true,
		UpsertRule:             RuleUpsertValuePath,
		SingleValuedFilter:     true,
		SingleValuedFilterRule: RuleManagerValueFilter,
	}
}

// env is what the rules need from a scim.NormalizeContext.
type env interface {
	Attribute(path string) (scim.AttrInfo, bool)
	IsExtensionURN(s string) (string, bool)
	Fired(rule string)
}

var _ env = (*scim.NormalizeContext)(nil)
