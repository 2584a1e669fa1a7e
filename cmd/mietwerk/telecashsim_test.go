package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/telecash"
	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/cmd/mietwerk/demo"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/payment"
)

// freeAddr returns a loopback address with a port that was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// simProc is a running `mietwerk telecash-sim`.
type simProc struct {
	cmd    *exec.Cmd
	url    string      // the gateway URL it logged
	logs   chan string // its log lines after the URL's
	exited chan error
}

// startSim runs `mietwerk telecash-sim` with args and env, waits for the log
// line with its URL and until it accepts connections; it is killed when the
// test ends unless stopped.
func startSim(t *testing.T, env []string, args ...string) *simProc {
	t.Helper()
	p := &simProc{cmd: exec.Command(binary(t), append([]string{"telecash-sim"}, args...)...), logs: make(chan string, 100), exited: make(chan error, 1)}
	p.cmd.Env = env
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.logs <- sc.Text()
		}
		close(p.logs)
		p.exited <- p.cmd.Wait()
	}()
	t.Cleanup(func() { p.cmd.Process.Kill() })
	timeout := time.After(30 * time.Second)
	for p.url == "" {
		select {
		case l, ok := <-p.logs:
			if !ok {
				t.Fatalf("telecash-sim exited before listening: %v", <-p.exited)
			}
			var rec struct{ Msg, URL string }
			if json.Unmarshal([]byte(l), &rec) == nil && rec.Msg == "telecash simulator listening" {
				p.url = rec.URL
			}
		case <-timeout:
			t.Fatal("telecash-sim did not log its URL within 30s")
		}
	}
	// The log line comes just before ListenAndServe; wait until it accepts.
	host := strings.TrimPrefix(strings.TrimSuffix(p.url, telecashsim.Prefix), "http://")
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.Dial("tcp", host)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("simulator not accepting on %s: %v", host, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return p
}

// stop sends SIGTERM, checks a clean exit within 15 s and returns the log
// lines written since the URL's.
func (p *simProc) stop(t *testing.T) string {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var rest []string
	for l := range p.logs {
		rest = append(rest, l)
	}
	select {
	case err := <-p.exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no exit within 15s of SIGTERM")
	}
	return strings.Join(rest, "\n")
}

// TestProcessTelecashSim starts `mietwerk telecash-sim` with the key from a
// flag, the store id from the environment and the secret from a file, makes
// a signed sale through the telecash adapter, checks that a wrong secret is
// refused, and stops the process with SIGTERM; started again with the same
// --state-file it still knows the sale and refuses its order id.
func TestProcessTelecashSim(t *testing.T) {
	addr := freeAddr(t)
	secretFile := filepath.Join(t.TempDir(), "sim-secret")
	if err := os.WriteFile(secretFile, []byte("geheimnis-42\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	stateFile := filepath.Join(t.TempDir(), "sim-state.json")
	env := childEnv("MIETWERK_SIM_STORE_ID=store-koenig", "MIETWERK_SIM_API_SECRET_FILE="+secretFile)
	sim := startSim(t, env, "--addr", addr, "--api-key", "key-koenig", "--state-file", stateFile)
	gatewayURL := sim.url
	if want := "http://" + addr + telecashsim.Prefix; gatewayURL != want {
		t.Fatalf("logged URL %q, want %q", gatewayURL, want)
	}
	gateway := func(secret string) *telecash.Client {
		gw, err := telecash.New(telecash.Config{BaseURL: gatewayURL, APIKey: "key-koenig", APISecret: secret,
			StoreID: "store-koenig", Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return gw
	}
	id := fmt.Sprintf("proc-%d", time.Now().UnixNano())
	sale := func(secret, mtx, order string) payment.Result {
		r, err := gateway(secret).Sale(context.Background(), payment.CardPayment{
			Ref: payment.Ref{MerchantTransactionID: mtx, OrderID: order}, Amount: payment.EUR(8900),
			Card: payment.Card{Number: telecashsim.CardApproveVisa, ExpMonth: 12, ExpYear: time.Now().Year() + 2, CVV: "123"},
		})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := sale("geheimnis-42", id, id); r.Outcome != payment.Approved || r.TransactionID == "" || r.Amount.Cents != 8900 {
		t.Fatalf("signed sale: %+v", r)
	}
	if r := sale("wrong-secret", id+"-x", id+"-x"); r.Outcome == payment.Approved || r.Reason.Code != payment.ReasonGatewayAuth {
		t.Fatalf("sale with a wrong secret: outcome %s, reason %+v; want refused as gateway_auth", r.Outcome, r.Reason)
	}

	all := sim.stop(t)
	if !strings.Contains(all, `"msg":"stopped"`) {
		t.Errorf("no stopped line after SIGTERM:\n%s", all)
	}
	if strings.Contains(all, telecashsim.CardApproveVisa) || strings.Contains(all, "geheimnis-42") {
		t.Errorf("log contains the card number or the secret:\n%s", all)
	}
	if b, err := os.ReadFile(stateFile); err != nil || strings.Contains(string(b), telecashsim.CardApproveVisa) {
		t.Fatalf("state file: %v (or it holds the card number)", err)
	}

	// started again with its state file, it still knows the sale
	sim = startSim(t, env, "--addr", addr, "--api-key", "key-koenig", "--state-file", stateFile)
	r, err := gateway("geheimnis-42").InquireTransaction(context.Background(), id)
	if err != nil || r.Outcome != payment.Approved || r.Amount.Cents != 8900 {
		t.Fatalf("inquiry after the restart: %+v, %v", r, err)
	}
	if r := sale("geheimnis-42", id+"-again", id); r.Outcome != payment.Failed || r.Reason.Code != payment.ReasonOrderExists {
		t.Fatalf("order id reused after the restart: %+v", r)
	}
	sim.stop(t)
}

func TestTelecashSimCommandLine(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		env      map[string]string
		status   int
		out, err string
	}{
		{name: "help lists options, variables and defaults", args: []string{"--help"}, status: exitOK,
			out: `--api-secret`},
		{name: "port 0 refused", args: []string{"--addr", "127.0.0.1:0"}, status: exitUsage,
			err: `invalid --addr "127.0.0.1:0" (env MIETWERK_SIM_ADDR): bad port`},
		{name: "not host:port", env: map[string]string{"MIETWERK_SIM_ADDR": "localhost"}, status: exitUsage,
			err: "MIETWERK_SIM_ADDR"},
		{name: "empty key", args: []string{"--api-key", " "}, status: exitUsage, err: "--api-key"},
		{name: "secret twice", env: map[string]string{"MIETWERK_SIM_API_SECRET": "a", "MIETWERK_SIM_API_SECRET_FILE": "/x"},
			status: exitUsage, err: "set only one of"},
		{name: "unreadable secret file", env: map[string]string{"MIETWERK_SIM_API_SECRET_FILE": "/nonexistent/secret"},
			status: exitUsage, err: "cannot read the file"},
		{name: "unknown flag", args: []string{"--nope"}, status: exitUsage, err: "--help"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb strings.Builder
			c := &cli{getenv: func(k string) string { return tc.env[k] }, stdin: strings.NewReader(""), stdout: &out, stderr: &errb}
			got := run(context.Background(), append([]string{"telecash-sim"}, tc.args...), c)
			if got != tc.status || !strings.Contains(out.String(), tc.out) || !strings.Contains(errb.String(), tc.err) {
				t.Fatalf("status %d, stdout %q, stderr %q; want %d, %q in stdout, %q in stderr",
					got, out.String(), errb.String(), tc.status, tc.out, tc.err)
			}
		})
	}
	var out strings.Builder
	run(context.Background(), []string{"telecash-sim", "--help"}, &cli{getenv: func(string) string { return "" }, stdout: &out, stderr: io.Discard})
	for _, want := range []string{"MIETWERK_SIM_API_SECRET_FILE", `"127.0.0.1:9090"`, `"sim-api-key"`, `"sim-store"`, "MIETWERK_SIM_STORE_ID",
		"--state-file", "MIETWERK_SIM_STATE_FILE"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %s:\n%s", want, out.String())
		}
	}
}

// TestProcessSharedSimulator: one `mietwerk telecash-sim` process and two
// `mietwerk serve` processes on one PostgreSQL database; the demo tenant is
// pointed at the simulator process (tenant set-simulator). A booking paid
// through the first server is cancelled through the second, whose refund
// and deposit release reach the same simulated gateway and are approved.
// Neither server starts a built-in simulator. (Each with its own built-in
// simulator, the second server's gateway would not know the payments.)
func TestProcessSharedSimulator(t *testing.T) {
	ctx := context.Background()
	dsn, st, creds := demoPostgres(t)
	addr := freeAddr(t)
	sim := startSim(t, childEnv(), "--addr", addr)
	var out, errOut bytes.Buffer
	if status := run(ctx, []string{"tenant", "set-simulator", "--tenant", demo.Slug, "--url", "http://" + addr, "--data-dir", t.TempDir()},
		&cli{getenv: envOf(map[string]string{"MIETWERK_DATABASE_URL": dsn}), stdout: &out, stderr: &errOut}); status != exitOK {
		t.Fatalf("tenant set-simulator: %d %s", status, errOut.String())
	}

	env := childEnv("MIETWERK_DATABASE_URL="+dsn, "MIETWERK_SECURE_COOKIES=false")
	a := start(t, env, "serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--mail-transport", "keep")
	b := start(t, env, "serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--mail-transport", "keep")

	number, err := "", error(nil)
	for day := 6; number == "" && day < 30; day++ {
		if number, err = bookDemo(t, a.url, creds.APIKey, day, "geteilt@example.de"); err != nil {
			t.Fatal(err)
		}
	}
	if number == "" {
		t.Fatal("nothing free to book in the next weeks")
	}
	status, _, body, err := apiCall(t, "POST", b.url+"/api/v1/bookings/"+number+"/cancel", creds.SecretAPIKey, nil, "Idempotency-Key", "cancel-"+number)
	if err != nil || status != 200 {
		t.Fatalf("cancel through the second server: %d %v %v", status, body, err)
	}

	tn, err := st.TenantBySlug(identity.WithActor(ctx, identity.System()), demo.Slug)
	if err != nil {
		t.Fatal(err)
	}
	tctx := identity.WithActor(ctx, identity.SystemFor(tn.ID))
	res, err := st.ReservationByNumber(tctx, number)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := st.ListPayments(tctx, payment.RecordFilter{ReservationID: res.ID})
	if err != nil {
		t.Fatal(err)
	}
	ops := map[payment.Operation]payment.Status{}
	for _, r := range recs {
		ops[r.Operation] = r.Status
	}
	if ops[payment.OpSale] != payment.StatusApproved || ops[payment.OpRefund] != payment.StatusApproved || ops[payment.OpVoidPreAuth] != payment.StatusApproved {
		t.Fatalf("payments of the cancelled booking: %v; want the sale, its refund and the deposit's release approved", ops)
	}
	for _, p := range []*proc{a, b} {
		if strings.Contains(p.stderr.String(), "built-in telecash simulator started") {
			t.Errorf("%s started a built-in simulator although the tenant has a simulator URL", p.url)
		}
		p.stop()
	}
	sim.stop(t)
}
