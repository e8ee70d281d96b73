// An HTTPS server for the TLS integration tests: HTTP/1.1 only, keep-alive,
// every path answered with a body derived from the path (see body), so a test
// can tell requests apart by their plaintext. Usage: go_server PORT CERT KEY
// (PORT 0 picks one); "listening PORT" on stderr once it accepts.
package main

import (
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
)

// maxBody bounds what a path may ask for.
const maxBody = 64 << 20

// body is the path repeated to the length its last segment names ("/a/1000"
// is 1000 bytes), or the path once if that segment is not a number. The same
// rule is in node_server.js and tls_peers.expected_body.
func body(path string) []byte {
	n := len(path)
	if v, err := strconv.Atoi(path[strings.LastIndexByte(path, '/')+1:]); err == nil && v >= 0 && v <= maxBody {
		n = v
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = path[i%len(path)]
	}
	return b
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: go_server PORT CERT KEY")
		os.Exit(2)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:"+os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	server := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b := body(r.URL.Path)
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Content-Length", strconv.Itoa(len(b)))
			w.Write(b)
		}),
		// A non-nil empty map turns HTTP/2 off: ALPN offers only http/1.1.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
		// Nobody reads stderr after the port line; a full pipe would block the server.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	fmt.Fprintf(os.Stderr, "listening %d\n", ln.Addr().(*net.TCPAddr).Port)
	err = server.ServeTLS(ln, os.Args[2], os.Args[3])
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
