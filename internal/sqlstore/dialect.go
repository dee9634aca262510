package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/scimkit/scim"
)

// Dialect is what differs between the SQL databases the store runs on.
// Statements are written with ? placeholders and Rebind turns them into
// the database's own.
type Dialect interface {
	// Name is "sqlite" or "postgres".
	Name() string
	// Rebind rewrites the ? placeholders of q.
	Rebind(q string) string
	// Types returns the column types the schema template is filled with.
	Types() Types
	// LockMigrations serializes concurrent Opens of the same database
	// inside the migration transaction tx.
	LockMigrations(ctx context.Context, tx *sql.Tx) error
	// IsUniqueViolation reports whether err is a unique constraint
	// violation.
	IsUniqueViolation(err error) bool
	// ForUpdate is the suffix that locks the selected row for the rest of
	// the transaction ("" where the whole transaction holds a write lock).
	ForUpdate() string
	// StringMatch returns a predicate for op (co, sw or ew) on the text
	// column col and the pattern argument. col holds lower-cased text and
	// value is lower-cased when caseExact is false.
	StringMatch(col string, op scim.CompareOp, value string, caseExact bool) (string, any)
}

// Types are the column types of the schema template.
type Types struct {
	// Seq is an auto-incremented integer primary key column definition.
	Seq string
	// Text is a text type comparing and sorting by code point (bytes).
	Text string
	// Int is a 64-bit integer; Real a double.
	Int, Real string
	// WithoutRowID is the table option for tables with a composite primary
	// key ("" if not applicable).
	WithoutRowID string
}

// RebindDollar rewrites ? placeholders to $1, $2, ... (PostgreSQL). The
// statements of this package never contain a literal question mark.
func RebindDollar(q string) string {
	if !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// LikePattern escapes \, % and _ in value and wraps it for op (co, sw,
// ew) as a LIKE pattern with ESCAPE '\'.
func LikePattern(op scim.CompareOp, value string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return wrapPattern(op, r.Replace(value), "%")
}

// GlobPattern escapes *, ? and [ in value and wraps it for op as a
// case-sensitive SQLite GLOB pattern.
func GlobPattern(op scim.CompareOp, value string) string {
	r := strings.NewReplacer(`[`, `[[]`, `*`, `[*]`, `?`, `[?]`)
	return wrapPattern(op, r.Replace(value), "*")
}

func wrapPattern(op scim.CompareOp, esc, any string) string {
	switch op {
	case scim.OpSw:
		return esc + any
	case scim.OpEw:
		return any + esc
	}
	return any + esc + any
}
