package main

import (
	"math"
	"slices"
	"sort"
	"strconv"
	"time"
)

// percentile returns the p-th percentile (0 < p <= 100) of sorted by the
// nearest-rank method: the smallest value such that at least p percent of
// the samples are less than or equal to it. It returns 0 for no samples.
func percentile(sorted []time.Duration, p float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	if p <= 0 {
		return sorted[0]
	}
	if p >= 100 {
		return sorted[n-1]
	}
	rank := int(math.Ceil(p / 100 * float64(n)))
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}

// median returns the median of xs (the mean of the two middle values for an
// even count) without modifying xs, and 0 for an empty slice.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	sort.Float64s(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// Summary is the outcome of one timed run of a scenario or phase.
type Summary struct {
	Scenario  string         `json:"scenario"`
	Requests  int            `json:"requests"`
	Errors    int            `json:"errors"`
	ByStatus  map[string]int `json:"errorsByStatus,omitempty"`
	Seconds   float64        `json:"seconds"`
	ReqPerSec float64        `json:"reqPerSec"`
	P50ms     float64        `json:"p50ms"`
	P90ms     float64        `json:"p90ms"`
	P99ms     float64        `json:"p99ms"`
	MaxMs     float64        `json:"maxMs"`
}

// recorder collects latencies and failures of one worker; it is not safe
// for concurrent use (each worker owns one, merged at the end).
type recorder struct {
	lat      []time.Duration
	errors   int
	byStatus map[string]int
}

func newRecorder() *recorder { return &recorder{byStatus: map[string]int{}} }

// record notes one request: status is the HTTP status or 0 for a transport
// error (err is then non-nil).
func (r *recorder) record(d time.Duration, status int, err error) {
	r.lat = append(r.lat, d)
	switch {
	case err != nil:
		r.errors++
		r.byStatus["transport"]++
	case status < 200 || status > 299:
		r.errors++
		r.byStatus[strconv.Itoa(status)]++
	}
}

// summarize merges the recorders of all workers of a run that took elapsed.
func summarize(name string, elapsed time.Duration, recs ...*recorder) Summary {
	var all []time.Duration
	s := Summary{Scenario: name, ByStatus: map[string]int{}}
	for _, r := range recs {
		all = append(all, r.lat...)
		s.Errors += r.errors
		for k, v := range r.byStatus {
			s.ByStatus[k] += v
		}
	}
	if len(s.ByStatus) == 0 {
		s.ByStatus = nil
	}
	slices.Sort(all)
	s.Requests = len(all)
	s.Seconds = elapsed.Seconds()
	if s.Seconds > 0 {
		s.ReqPerSec = float64(s.Requests) / s.Seconds
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	s.P50ms = ms(percentile(all, 50))
	s.P90ms = ms(percentile(all, 90))
	s.P99ms = ms(percentile(all, 99))
	s.MaxMs = ms(percentile(all, 100))
	return s
}

// medianOf combines several runs of the same scenario: the median of each
// figure taken separately, requests and errors summed.
func medianOf(runs []Summary) Summary {
	if len(runs) == 0 {
		return Summary{}
	}
	out := Summary{Scenario: runs[0].Scenario}
	var rps, p50, p90, p99, mx, secs []float64
	for _, r := range runs {
		out.Requests += r.Requests
		out.Errors += r.Errors
		for k, v := range r.ByStatus {
			if out.ByStatus == nil {
				out.ByStatus = map[string]int{}
			}
			out.ByStatus[k] += v
		}
		rps = append(rps, r.ReqPerSec)
		p50 = append(p50, r.P50ms)
		p90 = append(p90, r.P90ms)
		p99 = append(p99, r.P99ms)
		mx = append(mx, r.MaxMs)
		secs = append(secs, r.Seconds)
	}
	out.ReqPerSec = median(rps)
	out.P50ms = median(p50)
	out.P90ms = median(p90)
	out.P99ms = median(p99)
	out.MaxMs = median(mx)
	out.Seconds = median(secs)
	return out
}
