//go:build !pprof

package main

// startPprof does nothing: profiling endpoints exist only in a -tags pprof
// build.
func startPprof(string) error { return nil }
