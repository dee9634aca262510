package scim

import (
	"errors"
	"slices"
)

// This file (added for package entra's tests): a NormalizeContext outside
// a Handler, so that normalizers can be table-tested on decoded values.

// NewNormalizeContext returns a NormalizeContext for resourceType ("User"
// or "Group") over the handler's built-in schemas, detached from any
// Handler, so that a Normalizer can be tested on decoded values without
// HTTP. Rules reported through Fired are recorded; read them with
// FiredRules.
func NewNormalizeContext(resourceType string) (*NormalizeContext, error) {
	switch resourceType {
	case "User":
		return &NormalizeContext{ResourceType: resourceType, rs: newUserSchema()}, nil
	case "Group":
		return &NormalizeContext{ResourceType: resourceType, rs: newGroupSchema()}, nil
	}
	return nil, errors.New("scim: NewNormalizeContext: resource type must be User or Group")
}

// FiredRules returns the distinct rules reported through Fired so far, in
// the order they first fired.
func (nc *NormalizeContext) FiredRules() []string {
	if nc == nil {
		return nil
	}
	return slices.Clone(nc.fired)
}
