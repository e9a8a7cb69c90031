// Command mcp-standin is the MCP stand-in server over stdio, for trying
// hermes's MCP client by hand:
//
//	go build -o /tmp/mcp-standin ./internal/mcpstandin/cmd/mcp-standin
//	hermes mcp add test -- /tmp/mcp-standin
//
// With -http it serves streamable HTTP on a loopback port instead and
// prints the URL.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/signal"

	"github.com/hermes-agent/hermes/internal/mcpstandin"
)

func main() {
	httpMode := flag.Bool("http", false, "serve streamable HTTP on a loopback port")
	auth := flag.String("auth", "", "Authorization header value HTTP requests must carry")
	flag.Parse()
	if !*httpMode {
		os.Exit(mcpstandin.Main())
	}
	s, err := mcpstandin.Serve(*auth)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mcp-standin:", err)
		os.Exit(1)
	}
	fmt.Println(s.URL)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	<-sig
	s.Close()
}
