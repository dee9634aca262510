// Package sqlstore is the SQL implementation shared by the sqlite and
// postgres stores: the versioned schema and its migrations, the
// translation of compiled scim filters to parameterized SQL, and the
// scim.UserStore, scim.UserPatcher, scim.GroupStore and
// scim.UserGroupsLoader methods over database/sql. What differs between
// databases (placeholders, column types, row locks, unique-violation
// errors, case-sensitive pattern matching) is behind Dialect.
//
// The supported filters are documented in package
// github.com/scimkit/scim/postgres.
package sqlstore
