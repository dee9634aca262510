package scim

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"
)

// Schema URNs defined by RFC 7643 and RFC 7644.
const (
	UserSchema           = "urn:ietf:params:scim:schemas:core:2.0:User"
	GroupSchema          = "urn:ietf:params:scim:schemas:core:2.0:Group"
	EnterpriseUserSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	ListResponseSchema   = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	PatchOpSchema        = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	SearchRequestSchema  = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
	ErrorSchema          = "urn:ietf:params:scim:api:messages:2.0:Error"
)

// Meta is the resource metadata of RFC 7643 §3.1. The handler fills
// ResourceType and Location; stores fill Created, LastModified and Version.
type Meta struct {
	ResourceType string    `json:"resourceType,omitempty"`
	Created      time.Time `json:"created,omitzero"`
	LastModified time.Time `json:"lastModified,omitzero"`
	Location     string    `json:"location,omitempty"`
	// Version is the weak entity tag of the stored state, e.g. W/"3". A
	// store that fills it enables If-Match and lost-update protection: the
	// handler passes the version it read back on ReplaceUser, and the store
	// must refuse the write with ErrVersionMismatch if it changed meanwhile.
	Version string `json:"version,omitempty"`
}

// Name is the components of a user's name (RFC 7643 §4.1.1).
type Name struct {
	Formatted       string `json:"formatted,omitempty"`
	FamilyName      string `json:"familyName,omitempty"`
	GivenName       string `json:"givenName,omitempty"`
	MiddleName      string `json:"middleName,omitempty"`
	HonorificPrefix string `json:"honorificPrefix,omitempty"`
	HonorificSuffix string `json:"honorificSuffix,omitempty"`
}

func (n *Name) isZero() bool { return n == nil || *n == Name{} }

// MultiValue is one element of a multi-valued attribute with the standard
// sub-attributes of RFC 7643 §2.4: emails, phoneNumbers, ims, photos,
// entitlements, roles and x509Certificates.
type MultiValue struct {
	Value   string `json:"value,omitempty"`
	Display string `json:"display,omitempty"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
	Ref     string `json:"$ref,omitempty"`
}

// Address is one element of a user's addresses (RFC 7643 §4.1.2).
type Address struct {
	Formatted     string `json:"formatted,omitempty"`
	StreetAddress string `json:"streetAddress,omitempty"`
	Locality      string `json:"locality,omitempty"`
	Region        string `json:"region,omitempty"`
	PostalCode    string `json:"postalCode,omitempty"`
	Country       string `json:"country,omitempty"`
	Type          string `json:"type,omitempty"`
	Primary       bool   `json:"primary,omitempty"`
}

// GroupRef is one element of a user's read-only groups attribute
// (RFC 7643 §4.1.2). Stores that know memberships fill it.
type GroupRef struct {
	Value   string `json:"value,omitempty"`
	Ref     string `json:"$ref,omitempty"`
	Display string `json:"display,omitempty"`
	Type    string `json:"type,omitempty"`
}

// Manager is the enterprise extension's manager reference (RFC 7643 §4.3).
// It is always written as a complex object, never as a bare string.
type Manager struct {
	Value       string `json:"value,omitempty"`
	Ref         string `json:"$ref,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
}

// EnterpriseUser is the enterprise user extension of RFC 7643 §4.3, stored
// under the EnterpriseUserSchema URN.
type EnterpriseUser struct {
	EmployeeNumber string   `json:"employeeNumber,omitempty"`
	CostCenter     string   `json:"costCenter,omitempty"`
	Organization   string   `json:"organization,omitempty"`
	Division       string   `json:"division,omitempty"`
	Department     string   `json:"department,omitempty"`
	Manager        *Manager `json:"manager,omitempty"`
}

func (e *EnterpriseUser) isZero() bool {
	return e == nil || (e.EmployeeNumber == "" && e.CostCenter == "" && e.Organization == "" &&
		e.Division == "" && e.Department == "" && (e.Manager == nil || *e.Manager == Manager{}))
}

// User is a SCIM user resource: the RFC 7643 §4.1 core schema, the
// enterprise extension, and any other extension kept verbatim.
//
// Extensions holds extension objects whose schema URN the handler does not
// model, keyed by URN, as the client sent them. Whether unknown extensions
// are kept is decided by WithUnknownExtensions; unknown attributes outside
// an extension object are always dropped (RFC 7644 §3.3 lets a server ignore
// attributes it does not define), and password is never kept.
type User struct {
	ID                string                     `json:"id,omitempty"`
	ExternalID        string                     `json:"externalId,omitempty"`
	UserName          string                     `json:"userName"`
	Name              *Name                      `json:"name,omitempty"`
	DisplayName       string                     `json:"displayName,omitempty"`
	NickName          string                     `json:"nickName,omitempty"`
	ProfileURL        string                     `json:"profileUrl,omitempty"`
	Title             string                     `json:"title,omitempty"`
	UserType          string                     `json:"userType,omitempty"`
	PreferredLanguage string                     `json:"preferredLanguage,omitempty"`
	Locale            string                     `json:"locale,omitempty"`
	Timezone          string                     `json:"timezone,omitempty"`
	Active            *bool                      `json:"active,omitempty"`
	Emails            []MultiValue               `json:"emails,omitempty"`
	PhoneNumbers      []MultiValue               `json:"phoneNumbers,omitempty"`
	IMs               []MultiValue               `json:"ims,omitempty"`
	Photos            []MultiValue               `json:"photos,omitempty"`
	Addresses         []Address                  `json:"addresses,omitempty"`
	Groups            []GroupRef                 `json:"groups,omitempty"`
	Entitlements      []MultiValue               `json:"entitlements,omitempty"`
	Roles             []MultiValue               `json:"roles,omitempty"`
	X509Certificates  []MultiValue               `json:"x509Certificates,omitempty"`
	Enterprise        *EnterpriseUser            `json:"-"`
	Extensions        map[string]json.RawMessage `json:"-"`
	Meta              Meta                       `json:"-"`
}

// IsActive reports whether the user is active. An unset Active counts as
// active, which is what every identity provider assumes on create.
func (u *User) IsActive() bool { return u.Active == nil || *u.Active }

// Clone returns a deep copy of u, so a store can hand out users without
// sharing memory with its own state.
func (u *User) Clone() *User {
	if u == nil {
		return nil
	}
	c := *u
	if u.Name != nil {
		n := *u.Name
		c.Name = &n
	}
	if u.Active != nil {
		a := *u.Active
		c.Active = &a
	}
	c.Emails = cloneSlice(u.Emails)
	c.PhoneNumbers = cloneSlice(u.PhoneNumbers)
	c.IMs = cloneSlice(u.IMs)
	c.Photos = cloneSlice(u.Photos)
	c.Addresses = cloneSlice(u.Addresses)
	c.Groups = cloneSlice(u.Groups)
	c.Entitlements = cloneSlice(u.Entitlements)
	c.Roles = cloneSlice(u.Roles)
	c.X509Certificates = cloneSlice(u.X509Certificates)
	if u.Enterprise != nil {
		e := *u.Enterprise
		if e.Manager != nil {
			m := *e.Manager
			e.Manager = &m
		}
		c.Enterprise = &e
	}
	if u.Extensions != nil {
		c.Extensions = make(map[string]json.RawMessage, len(u.Extensions))
		for k, v := range u.Extensions {
			c.Extensions[k] = append(json.RawMessage(nil), v...)
		}
	}
	return &c
}

func cloneSlice[T any](s []T) []T {
	if s == nil {
		return nil
	}
	return append([]T(nil), s...)
}

// Schemas returns the schema URNs that describe u: the core schema and
// every extension present.
func (u *User) Schemas() []string {
	s := []string{UserSchema}
	if !u.Enterprise.isZero() {
		s = append(s, EnterpriseUserSchema)
	}
	return append(s, sortedKeys(u.Extensions)...)
}

type userJSON User // no methods: plain struct encoding

// MarshalJSON encodes u in the RFC 7643 wire form with schemas, the
// extension objects under their URNs and meta.
func (u *User) MarshalJSON() ([]byte, error) {
	return appendUser(make([]byte, 0, 1024), u), nil
}

// UnmarshalJSON decodes the RFC 7643 wire form. Attribute names match
// case-insensitively; schemas and meta are ignored (they are the server's
// to set); the enterprise extension is read from its URN key, and any other
// URN-keyed object is kept in Extensions.
func (u *User) UnmarshalJSON(data []byte) error {
	var v userJSON
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	exts, err := unmarshalExtensions(data, func(urn string, raw json.RawMessage) (bool, error) {
		switch {
		case strings.EqualFold(urn, EnterpriseUserSchema):
			v.Enterprise = new(EnterpriseUser)
			return true, json.Unmarshal(raw, v.Enterprise)
		case strings.EqualFold(urn, UserSchema):
			return true, nil // core attributes qualified by URN are the decoder's business
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	v.Extensions, v.ID, v.Meta = exts, u.ID, u.Meta
	*u = User(v)
	return nil
}

// Member is one element of a group's members (RFC 7643 §4.2).
type Member struct {
	Value   string `json:"value"`
	Ref     string `json:"$ref,omitempty"`
	Display string `json:"display,omitempty"`
	Type    string `json:"type,omitempty"`
}

// Group is a SCIM group resource (RFC 7643 §4.2).
//
// Members is nil when the members were not loaded (for example for
// excludedAttributes=members); a loaded, empty member list is an empty,
// non-nil slice.
type Group struct {
	ID          string                     `json:"id,omitempty"`
	ExternalID  string                     `json:"externalId,omitempty"`
	DisplayName string                     `json:"displayName"`
	Members     []Member                   `json:"members,omitempty"`
	Extensions  map[string]json.RawMessage `json:"-"`
	Meta        Meta                       `json:"-"`
}

// Clone returns a deep copy of g.
func (g *Group) Clone() *Group {
	if g == nil {
		return nil
	}
	c := *g
	c.Members = cloneSlice(g.Members)
	if g.Extensions != nil {
		c.Extensions = make(map[string]json.RawMessage, len(g.Extensions))
		for k, v := range g.Extensions {
			c.Extensions[k] = append(json.RawMessage(nil), v...)
		}
	}
	return &c
}

// Schemas returns the schema URNs that describe g.
func (g *Group) Schemas() []string {
	s := []string{GroupSchema}
	return append(s, sortedKeys(g.Extensions)...)
}

type groupJSON Group

// MarshalJSON encodes g in the RFC 7643 wire form.
func (g *Group) MarshalJSON() ([]byte, error) {
	return appendGroup(make([]byte, 0, 256+64*len(g.Members)), g), nil
}

// UnmarshalJSON decodes the RFC 7643 wire form of a group.
func (g *Group) UnmarshalJSON(data []byte) error {
	var v groupJSON
	if err := json.Unmarshal(data, &v); err != nil {
		return err
	}
	exts, err := unmarshalExtensions(data, func(urn string, _ json.RawMessage) (bool, error) {
		return strings.EqualFold(urn, GroupSchema), nil
	})
	if err != nil {
		return err
	}
	v.Extensions, v.ID, v.Meta = exts, g.ID, g.Meta
	*g = Group(v)
	return nil
}

// unmarshalExtensions collects the URN-keyed objects of a resource body
// that known does not claim, verbatim.
func unmarshalExtensions(data []byte, known func(urn string, raw json.RawMessage) (bool, error)) (map[string]json.RawMessage, error) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(data, &keys); err != nil {
		return nil, err
	}
	var exts map[string]json.RawMessage
	for k, raw := range keys {
		if !isURN(k) || isNull(raw) {
			continue
		}
		claimed, err := known(k, raw)
		if err != nil {
			return nil, err
		}
		if claimed {
			continue
		}
		if exts == nil {
			exts = map[string]json.RawMessage{}
		}
		exts[k] = append(json.RawMessage(nil), raw...)
	}
	return exts, nil
}

// Page is one page of a list or search result (RFC 7644 §3.4.2).
type Page[T any] struct {
	// TotalResults is the number of resources matching the query, across
	// all pages.
	TotalResults int
	// Resources is the requested page, at most Query.Count long.
	Resources []T
}

func isURN(k string) bool { return len(k) > 4 && strings.EqualFold(k[:4], "urn:") }

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }
