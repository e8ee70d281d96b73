// A TLS client in Go, so that crypto/tls.(*Conn).Write and .Read are in a
// Go binary for the tests that look for them (test_elf_image reads its
// plain and stripped builds). Run, it sends its second argument (or
// "ping\n") to the TLS server at its first and prints the reply.
package main

import (
	"crypto/tls"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: go_tls_probe host:port [message]")
		os.Exit(2)
	}
	message := "ping\n"
	if len(os.Args) > 2 {
		message = os.Args[2]
	}
	// The peers in the tests have self-signed certificates.
	conn, err := tls.Dial("tcp", os.Args[1], &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "go_tls_probe:", err)
		os.Exit(1)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(message)); err != nil {
		fmt.Fprintln(os.Stderr, "go_tls_probe: write:", err)
		os.Exit(1)
	}
	reply := make([]byte, 4096)
	n, err := conn.Read(reply)
	if err != nil {
		fmt.Fprintln(os.Stderr, "go_tls_probe: read:", err)
		os.Exit(1)
	}
	os.Stdout.Write(reply[:n])
}
