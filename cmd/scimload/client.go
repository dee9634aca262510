package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// checkLoopback refuses a base URL whose host is not a loopback address
// (or "localhost") unless allowRemote is set.
func checkLoopback(raw string, allowRemote bool) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("bad -url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("bad -url %q: scheme must be http or https", raw)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("bad -url %q: no host", raw)
	}
	if !allowRemote && !isLoopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("refusing non-loopback host %q (use -allow-remote to load a remote server you own)", u.Hostname())
	}
	return u, nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// target is a SCIM base URL with its bearer token and a keep-alive client.
type target struct {
	base   string // no trailing slash
	auth   string // "Bearer <token>"
	client *http.Client
}

func newTarget(base *url.URL, token string, conns int, timeout time.Duration, allowRemote bool) *target {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy: nil, // never go through a proxy: the target is local
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			// Defence in depth: whatever the name resolved to must be loopback.
			if ta, ok := c.RemoteAddr().(*net.TCPAddr); ok && !allowRemote && !ta.IP.IsLoopback() {
				c.Close()
				return nil, fmt.Errorf("refusing connection to non-loopback %s", ta.IP)
			}
			return c, nil
		},
		MaxIdleConns:        conns * 2,
		MaxIdleConnsPerHost: conns * 2,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
	return &target{
		base: strings.TrimRight(base.String(), "/"),
		auth: "Bearer " + token,
		client: &http.Client{
			Transport:     tr,
			Timeout:       timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}
}

func (t *target) close() { t.client.CloseIdleConnections() }

// do sends one request. With out non-nil a 2xx JSON body is decoded into
// it; otherwise the body is drained so the connection is reused. It
// returns the status (0 on a transport error).
func (t *target) do(ctx context.Context, method, path string, body []byte, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, t.base+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", t.auth)
	req.Header.Set("Accept", "application/scim+json")
	if body != nil {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	resp, err := t.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if out != nil && resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		err = json.NewDecoder(resp.Body).Decode(out)
		io.Copy(io.Discard, resp.Body)
		if err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: decoding response: %w", method, path, err)
		}
		return resp.StatusCode, nil
	}
	_, err = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, err
}

// resource is the part of a SCIM resource the tool reads back.
type resource struct {
	ID string `json:"id"`
}

// listResponse is the part of a ListResponse the tool reads back.
type listResponse struct {
	TotalResults int        `json:"totalResults"`
	Resources    []resource `json:"Resources"`
}

// statusError is a non-2xx answer where one was required (seeding).
type statusError struct {
	method, path string
	status       int
}

func (e *statusError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d", e.method, e.path, e.status)
}

// must2xx turns a non-2xx status into an error.
func must2xx(method, path string, status int, err error) error {
	if err != nil {
		return err
	}
	if status < 200 || status > 299 {
		return &statusError{method, path, status}
	}
	return nil
}

var errNoID = errors.New("response has no id")
