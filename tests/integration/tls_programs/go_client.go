// An HTTPS client for the TLS integration tests: GETs each URL in turn over
// one HTTP/1.1 keep-alive connection, certificate unchecked, and prints one
// line per reply: "STATUS BODY_BYTES LOCAL_PORT". Usage: go_client
// [-delay DURATION] URL...; -delay waits before the first request, so that a
// tracer started before this program has probed it by then.
package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"time"
)

func main() {
	delay := flag.Duration("delay", 0, "wait this long before the first request")
	flag.Parse()
	transport := &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
		// A non-nil empty map and no forced attempt: HTTP/1.1 only.
		TLSNextProto:        map[string]func(string, *tls.Conn) http.RoundTripper{},
		ForceAttemptHTTP2:   false,
		MaxIdleConnsPerHost: 1,
		DisableCompression:  true,
	}
	client := &http.Client{Transport: transport, Timeout: 20 * time.Second}
	time.Sleep(*delay)
	for _, url := range flag.Args() {
		localPort := 0
		trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
			localPort = info.Conn.LocalAddr().(*net.TCPAddr).Port
		}}
		ctx := httptrace.WithClientTrace(context.Background(), trace)
		req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		resp, err := client.Do(req)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		// The body is read to its end, or the connection is not reused.
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("%d %d %d\n", resp.StatusCode, n, localPort)
	}
}
