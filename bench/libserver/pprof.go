//go:build pprof

package main

import (
	"net"
	"net/http"
	"net/http/pprof"
)

// startPprof serves net/http/pprof on its own loopback listener (pprof
// build only).
func startPprof(addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	go http.Serve(ln, mux)
	return nil
}
