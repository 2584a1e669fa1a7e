package telecashsim

import (
	"net"
	"strings"
	"testing"
)

// TestOnDemand: nothing listens until the first URL call; later calls
// return the same server; a start that fails (address in use) is tried
// again; Close stops it and later calls fail.
func TestOnDemand(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := busy.Addr().String()
	o := NewOnDemand(addr, Options{})
	if o.Server() != nil {
		t.Fatal("started before first use")
	}
	if _, err := o.URL(); err == nil {
		t.Fatal("started on an address in use")
	}
	busy.Close()
	u, err := o.URL()
	if err != nil {
		t.Fatalf("second try after the address was freed: %v", err)
	}
	if !strings.HasPrefix(u, "http://"+addr+Prefix) || o.Server() == nil {
		t.Fatalf("URL %q, server %v", u, o.Server())
	}
	if u2, _ := o.URL(); u2 != u {
		t.Fatalf("second call: %q, want the same %q", u2, u)
	}
	if c, err := net.Dial("tcp", addr); err != nil {
		t.Fatalf("not listening: %v", err)
	} else {
		c.Close()
	}
	if err := o.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := o.URL(); err == nil {
		t.Fatal("URL after Close started it again")
	}
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Fatal("still listening after Close")
	}
}
