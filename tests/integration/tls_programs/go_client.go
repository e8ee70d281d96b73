// An HTTPS client for the TLS integration tests: GETs each URL in turn over
// one HTTP/1.1 keep-alive connection, certificate unchecked, and prints one
// line per reply: "STATUS BODY_BYTES LOCAL_PORT". Usage: go_client URL...
package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"time"
)

func main() {
	transport := &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
		// A non-nil empty map and no forced attempt: HTTP/1.1 only.
		TLSNextProto:        map[string]func(string, *tls.Conn) http.RoundTripper{},
		ForceAttemptHTTP2:   false,
		MaxIdleConnsPerHost: 1,
		DisableCompression:  true,
	}
	client := &http.Client{Transport: transport, Timeout: 20 * time.Second}
	for _, url := range os.Args[1:] {
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
