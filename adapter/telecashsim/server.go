package telecashsim

import (
	"context"
	"errors"
	"fmt"
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
	addr string // the bound address, kept across Restart

	mu    sync.Mutex
	srv   *http.Server
	done  chan struct{}
	stopc chan struct{} // ends the state saver
	saver chan struct{} // closed when the state saver has ended
}

// NewServer listens on addr (":0" picks a free port) and serves a new
// Simulator in the background until Close. With opts.StateFile the state
// is loaded from that file first and kept there.
func NewServer(addr string, opts Options) (*Server, error) {
	sim := New(opts)
	if opts.StateFile != "" {
		if err := sim.LoadStateFile(opts.StateFile); err != nil {
			return nil, err
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{Sim: sim, URL: "http://" + ln.Addr().String() + Prefix, addr: ln.Addr().String()}
	s.serve(ln)
	if opts.StateFile != "" {
		s.stopc, s.saver = make(chan struct{}), make(chan struct{})
		go func() {
			defer close(s.saver)
			sim.saveLoop(opts.StateFile, s.stopc)
		}()
	}
	return s, nil
}

func (s *Server) serve(ln net.Listener) {
	s.srv = &http.Server{Handler: s.Sim, ReadHeaderTimeout: 10 * time.Second}
	s.done = make(chan struct{})
	srv, done := s.srv, s.done
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
}

// halt stops serving at once, cutting open connections, and waits until
// every request in flight (a late delivery too) has ended.
func (s *Server) halt() error {
	err := s.srv.Close()
	<-s.done
	s.Sim.inflight.Wait()
	return err
}

// Close stops the server at once, cutting open connections, waits for it
// to end and, with a state file, writes the state.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.halt()
	if s.stopc != nil {
		close(s.stopc)
		<-s.saver
		s.stopc = nil
		if serr := s.Sim.SaveStateFile(s.Sim.opts.StateFile); err == nil {
			err = serr
		}
	}
	return err
}

// Restart simulates a gateway restart: it stops serving at once (cutting
// open connections: answers in flight are lost), waits down, and serves
// again on the same address. With a state file the state is written,
// dropped and read back from the file, so a restart also proves what the
// file keeps; without one the state stays in memory. The fault plan stays.
func (s *Server) Restart(down time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.halt(); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	if f := s.Sim.opts.StateFile; f != "" {
		if err := s.Sim.SaveStateFile(f); err != nil {
			return err
		}
		s.Sim.mu.Lock()
		s.Sim.resetLocked()
		s.Sim.mu.Unlock()
		if err := s.Sim.LoadStateFile(f); err != nil {
			return err
		}
	}
	time.Sleep(down)
	var ln net.Listener
	var err error
	for i := 0; i < 100; i++ { // the port may linger for a moment
		if ln, err = net.Listen("tcp", s.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("listen again on %s: %w", s.addr, err)
	}
	s.serve(ln)
	return nil
}

// saveLoop writes the state file a second after a change until stop closes.
func (s *Simulator) saveLoop(path string, stop <-chan struct{}) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			if err := s.saveIfChanged(path); err != nil {
				s.opts.Logger.Error("telecashsim: state not saved", "file", path, "err", err)
			}
		}
	}
}

// Run serves a new Simulator on addr until ctx ends, then shuts down
// gracefully (waiting up to 5 seconds for requests in flight). With
// opts.StateFile the state is loaded at start and written at shutdown
// (and a second after each change).
func Run(ctx context.Context, addr string, opts Options) error {
	sim := New(opts)
	if opts.StateFile != "" {
		if err := sim.LoadStateFile(opts.StateFile); err != nil {
			return err
		}
		stop, saved := make(chan struct{}), make(chan struct{})
		go func() { defer close(saved); sim.saveLoop(opts.StateFile, stop) }()
		defer func() {
			close(stop)
			<-saved
			if err := sim.SaveStateFile(opts.StateFile); err != nil {
				sim.opts.Logger.Error("telecashsim: state not saved at shutdown", "file", opts.StateFile, "err", err)
			}
		}()
	}
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
