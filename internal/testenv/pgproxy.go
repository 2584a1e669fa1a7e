package testenv

import (
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// PGProxy is a TCP proxy in front of a PostgreSQL server that a test can
// take down (connections refused, open ones cut) and bring back: what a
// server process sees when its database host goes away.
type PGProxy struct {
	t      testing.TB
	target string // network address of the server ("unix" or "tcp")
	net    string
	addr   string // the proxy's own 127.0.0.1:port
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
}

// NewPGProxy starts a proxy to the server of dsn and returns it with a DSN
// for the same database through the proxy. It stops when the test ends.
func NewPGProxy(t testing.TB, dsn string) (*PGProxy, string) {
	t.Helper()
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	p := &PGProxy{t: t, conns: map[net.Conn]bool{}, net: "tcp", target: net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))}
	if filepath.IsAbs(cfg.Host) {
		p.net, p.target = "unix", filepath.Join(cfg.Host, fmt.Sprintf(".s.PGSQL.%d", cfg.Port))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.Down)
	host, port, _ := net.SplitHostPort(p.addr)
	return p, fmt.Sprintf("host=%s port=%s user=%s dbname=%s sslmode=disable", host, port, cfg.User, cfg.Database)
}

func (p *PGProxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.pipe(c)
		}
	}()
}

func (p *PGProxy) pipe(c net.Conn) {
	s, err := net.Dial(p.net, p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	if p.ln == nil {
		p.mu.Unlock()
		c.Close()
		s.Close()
		return
	}
	p.conns[c], p.conns[s] = true, true
	p.mu.Unlock()
	go func() { io.Copy(s, c); s.Close(); c.Close() }()
	io.Copy(c, s)
	c.Close()
	s.Close()
}

// Down refuses new connections and cuts the open ones.
func (p *PGProxy) Down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	clear(p.conns)
}

// Up accepts connections again on the same address.
func (p *PGProxy) Up() {
	p.t.Helper()
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		p.t.Fatal(err)
	}
	p.serve(ln)
}
