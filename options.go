package scim

import (
	"context"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"time"
)

// An Option configures a Handler in New. Options take values; when an
// option is given twice the last one wins.
type Option interface {
	apply(*config) error
}

type optionFunc func(*config) error

func (f optionFunc) apply(c *config) error { return f(c) }

// UnknownExtensions says what happens to URN-keyed extension objects in
// request bodies whose schema is not registered.
type UnknownExtensions int

const (
	// KeepUnknownExtensions stores them verbatim in User.Extensions and
	// returns them, so values Entra provisions to custom extension
	// attributes round-trip and are never re-sent every cycle (default).
	KeepUnknownExtensions UnknownExtensions = iota
	// DropUnknownExtensions ignores them.
	DropUnknownExtensions
	// RejectUnknownExtensions answers 400 invalidSyntax.
	RejectUnknownExtensions
)

// Documented defaults.
const (
	DefaultMaxBodyBytes    = 1 << 20 // 1 MiB
	DefaultMaxOperations   = 1000
	DefaultMaxFilterLength = 4096
	DefaultMaxFilterDepth  = 32
	DefaultPageSize        = 100
	DefaultMaxPageSize     = 1000
	DefaultMaxJSONDepth    = 32
)

type config struct {
	baseURL           *url.URL
	maxBodyBytes      int64
	maxOperations     int
	maxFilterLength   int
	maxFilterDepth    int
	defaultPageSize   int
	maxPageSize       int
	maxJSONDepth      int
	logger            *slog.Logger
	now               func() time.Time
	groups            GroupStore
	normalizers       []Normalizer
	unknownExtensions UnknownExtensions
	patchNoContent    bool
	groupPatchContent bool
	eventHook         func(context.Context, Event)
	changeHook        func(context.Context, Change)
	policy            Policy
}

func defaultConfig() config {
	return config{
		maxBodyBytes:    DefaultMaxBodyBytes,
		maxOperations:   DefaultMaxOperations,
		maxFilterLength: DefaultMaxFilterLength,
		maxFilterDepth:  DefaultMaxFilterDepth,
		defaultPageSize: DefaultPageSize,
		maxPageSize:     DefaultMaxPageSize,
		maxJSONDepth:    DefaultMaxJSONDepth,
		logger:          slog.New(slog.DiscardHandler),
		now:             time.Now,
	}
}

// WithBaseURL sets the absolute URL the handler is reachable at, e.g.
// "https://app.example.com/scim/v2": the tenant URL an admin enters in the
// identity provider. It is used for meta.location, Location headers and
// $ref values. Default: none, and locations are absolute paths under the
// mount point the request arrived at (for example "/scim/v2/Users/42",
// including a prefix http.StripPrefix removed), never derived from Host or
// forwarded headers.
func WithBaseURL(base string) Option {
	return optionFunc(func(c *config) error {
		u, err := url.Parse(base)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return errors.New("scim: WithBaseURL needs an absolute http(s) URL")
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			return errors.New("scim: WithBaseURL needs an http or https URL")
		}
		u.Path = strings.TrimRight(u.Path, "/")
		u.RawQuery, u.Fragment = "", ""
		c.baseURL = u
		return nil
	})
}

func positive(name string, n int) error {
	if n <= 0 {
		return errors.New("scim: " + name + " must be positive")
	}
	return nil
}

// WithMaxBodyBytes limits request bodies; larger ones get 413. Default
// DefaultMaxBodyBytes (1 MiB).
func WithMaxBodyBytes(n int64) Option {
	return optionFunc(func(c *config) error {
		if n <= 0 {
			return errors.New("scim: WithMaxBodyBytes must be positive")
		}
		c.maxBodyBytes = n
		return nil
	})
}

// WithMaxOperations limits the operations in one PATCH request (400
// tooMany past it). Default DefaultMaxOperations (1000).
func WithMaxOperations(n int) Option {
	return optionFunc(func(c *config) error { c.maxOperations = n; return positive("WithMaxOperations", n) })
}

// WithFilterLimits limits filter length in bytes and nesting depth (400
// invalidFilter past them). Defaults DefaultMaxFilterLength (4096) and
// DefaultMaxFilterDepth (32).
func WithFilterLimits(maxLength, maxDepth int) Option {
	return optionFunc(func(c *config) error {
		c.maxFilterLength, c.maxFilterDepth = maxLength, maxDepth
		return errors.Join(positive("filter length", maxLength), positive("filter depth", maxDepth))
	})
}

// WithPageSize sets the page size used when a client gives no count and
// the largest count honoured (larger counts are reduced to it, as RFC
// 7644 §3.4.2.4 allows). Defaults DefaultPageSize (100) and
// DefaultMaxPageSize (1000).
func WithPageSize(def, max int) Option {
	return optionFunc(func(c *config) error {
		if def > max {
			return errors.New("scim: default page size exceeds maximum")
		}
		c.defaultPageSize, c.maxPageSize = def, max
		return errors.Join(positive("page size", def), positive("max page size", max))
	})
}

// WithMaxJSONDepth limits the nesting depth of request bodies (400
// invalidSyntax past it). Default DefaultMaxJSONDepth (32).
func WithMaxJSONDepth(n int) Option {
	return optionFunc(func(c *config) error { c.maxJSONDepth = n; return positive("WithMaxJSONDepth", n) })
}

// WithLogger sets the logger for server-side failures (the causes of 500
// responses). Tokens and request bodies are never logged. Default: discard.
func WithLogger(l *slog.Logger) Option {
	return optionFunc(func(c *config) error {
		if l == nil {
			return errors.New("scim: WithLogger(nil)")
		}
		c.logger = l
		return nil
	})
}

// WithClock sets the time source for meta.created and meta.lastModified.
// Default time.Now.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(c *config) error {
		if now == nil {
			return errors.New("scim: WithClock(nil)")
		}
		c.now = now
		return nil
	})
}

// WithGroups enables the /Groups endpoint over s. Default: no groups;
// /Groups answers 404 and discovery does not list the Group resource.
func WithGroups(s GroupStore) Option {
	return optionFunc(func(c *config) error {
		if s == nil {
			return errors.New("scim: WithGroups(nil)")
		}
		c.groups = s
		return nil
	})
}

// WithNormalizer installs a client-dialect normalizer (see entra.Compat).
// Several normalizers run in the order given.
func WithNormalizer(n Normalizer) Option {
	return optionFunc(func(c *config) error {
		c.normalizers = append(c.normalizers, n)
		return nil
	})
}

// WithUnknownExtensions sets the rule for unregistered extension objects
// in request bodies. Default KeepUnknownExtensions.
func WithUnknownExtensions(u UnknownExtensions) Option {
	return optionFunc(func(c *config) error {
		if u < KeepUnknownExtensions || u > RejectUnknownExtensions {
			return errors.New("scim: unknown UnknownExtensions value")
		}
		c.unknownExtensions = u
		return nil
	})
}

// WithPatchNoContent makes successful PATCH /Users requests answer 204
// without a body, unless the client asked for attributes. Default false:
// 200 with the resource.
func WithPatchNoContent(noContent bool) Option {
	return optionFunc(func(c *config) error { c.patchNoContent = noContent; return nil })
}

// WithGroupPatchContent makes successful PATCH /Groups requests answer 200
// with the group (without members unless asked for). Default false: 204,
// which Entra recommends, since member lists can be huge.
func WithGroupPatchContent(content bool) Option {
	return optionFunc(func(c *config) error { c.groupPatchContent = content; return nil })
}

// WithEventHook registers a function called after every request, with
// what happened (see Event). It runs synchronously on the request's
// goroutine after the response is written, so it should be quick.
// Default: none.
func WithEventHook(f func(context.Context, Event)) Option {
	return optionFunc(func(c *config) error { c.eventHook = f; return nil })
}
