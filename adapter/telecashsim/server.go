package telecashsim

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"
)

// Server is a Simulator listening on a TCP address.
type Server struct {
	Sim *Simulator
	// URL is the gateway base URL to configure the adapter with, e.g.
	// "http://127.0.0.1:8089/ipp/payments-gateway/v2".
	URL  string
	srv  *http.Server
	done chan struct{}
}

// NewServer listens on addr (":0" picks a free port) and serves a new
// Simulator in the background until Close.
func NewServer(addr string, opts Options) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	sim := New(opts)
	s := &Server{
		Sim:  sim,
		URL:  "http://" + ln.Addr().String() + Prefix,
		srv:  &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second},
		done: make(chan struct{}),
	}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// Close stops the server at once, cutting open connections, and waits
// for it to end.
func (s *Server) Close() error {
	err := s.srv.Close()
	<-s.done
	return err
}

// Run serves a new Simulator on addr until ctx ends, then shuts down
// gracefully (waiting up to 5 seconds for requests in flight).
func Run(ctx context.Context, addr string, opts Options) error {
	sim := New(opts)
	srv := &http.Server{Addr: addr, Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := srv.Shutdown(sctx)
	if e := <-errc; !errors.Is(e, http.ErrServerClosed) && err == nil {
		err = e
	}
	return err
}

// OnDemand is a simulator server started on first use: a server process
// starts its built-in simulator only once a tenant in simulator mode needs
// it. Safe for concurrent use.
type OnDemand struct {
	addr string
	opts Options

	mu     sync.Mutex
	srv    *Server
	closed bool
}

// NewOnDemand returns a simulator that will listen on addr (":0" picks a
// free port) with opts once URL is first called.
func NewOnDemand(addr string, opts Options) *OnDemand {
	return &OnDemand{addr: addr, opts: opts}
}

// URL starts the simulator unless it runs and returns its gateway base URL.
// A failed start (the address in use) is returned and tried again on the
// next call; after Close it fails.
func (o *OnDemand) URL() (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.closed {
		return "", errors.New("the built-in simulator is shut down")
	}
	if o.srv == nil {
		srv, err := NewServer(o.addr, o.opts)
		if err != nil {
			return "", err
		}
		o.srv = srv
		if o.opts.Logger != nil {
			o.opts.Logger.Info("built-in telecash simulator started", "url", srv.URL)
		}
	}
	return o.srv.URL, nil
}

// Server returns the running server, or nil when it was never started.
func (o *OnDemand) Server() *Server {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.srv
}

// Close stops the simulator if it runs; later calls of URL fail.
func (o *OnDemand) Close() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.closed = true
	if o.srv == nil {
		return nil
	}
	return o.srv.Close()
}
