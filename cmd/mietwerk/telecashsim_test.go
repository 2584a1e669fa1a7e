package main

import (
	"bufio"
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

// TestProcessTelecashSim starts `mietwerk telecash-sim` with the key from a
// flag, the store id from the environment and the secret from a file, makes
// a signed sale through the telecash adapter, checks that a wrong secret is
// refused, and stops the process with SIGTERM.
func TestProcessTelecashSim(t *testing.T) {
	addr := freeAddr(t)
	secretFile := filepath.Join(t.TempDir(), "sim-secret")
	if err := os.WriteFile(secretFile, []byte("geheimnis-42\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary(t), "telecash-sim", "--addr", addr, "--api-key", "key-koenig")
	cmd.Env = childEnv("MIETWERK_SIM_STORE_ID=store-koenig", "MIETWERK_SIM_API_SECRET_FILE="+secretFile)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	logs := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs <- sc.Text()
		}
		close(logs)
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	var gatewayURL string
	timeout := time.After(30 * time.Second)
	for gatewayURL == "" {
		select {
		case l, ok := <-logs:
			if !ok {
				t.Fatalf("telecash-sim exited before listening: %v", <-exited)
			}
			var rec struct{ Msg, URL string }
			if json.Unmarshal([]byte(l), &rec) == nil && rec.Msg == "telecash simulator listening" {
				gatewayURL = rec.URL
			}
		case <-timeout:
			t.Fatal("telecash-sim did not log its URL within 30s")
		}
	}
	if want := "http://" + addr + telecashsim.Prefix; gatewayURL != want {
		t.Fatalf("logged URL %q, want %q", gatewayURL, want)
	}
	// The log line comes just before ListenAndServe; wait until it accepts.
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("simulator not accepting on %s: %v", addr, err)
		}
		time.Sleep(10 * time.Millisecond)
	}

	sale := func(secret string) payment.Result {
		gw, err := telecash.New(telecash.Config{BaseURL: gatewayURL, APIKey: "key-koenig", APISecret: secret,
			StoreID: "store-koenig", Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		id := fmt.Sprintf("proc-%d", time.Now().UnixNano())
		r, err := gw.Sale(context.Background(), payment.CardPayment{
			Ref: payment.Ref{MerchantTransactionID: id, OrderID: id}, Amount: payment.EUR(8900),
			Card: payment.Card{Number: telecashsim.CardApproveVisa, ExpMonth: 12, ExpYear: time.Now().Year() + 2, CVV: "123"},
		})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := sale("geheimnis-42"); r.Outcome != payment.Approved || r.TransactionID == "" || r.Amount.Cents != 8900 {
		t.Fatalf("signed sale: %+v", r)
	}
	if r := sale("wrong-secret"); r.Outcome == payment.Approved || r.Reason.Code != payment.ReasonGatewayAuth {
		t.Fatalf("sale with a wrong secret: outcome %s, reason %+v; want refused as gateway_auth", r.Outcome, r.Reason)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	var rest []string
	for l := range logs {
		rest = append(rest, l)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("no exit within 15s of SIGTERM")
	}
	all := strings.Join(rest, "\n")
	if !strings.Contains(all, `"msg":"stopped"`) {
		t.Errorf("no stopped line after SIGTERM:\n%s", all)
	}
	if strings.Contains(all, telecashsim.CardApproveVisa) || strings.Contains(all, "geheimnis-42") {
		t.Errorf("log contains the card number or the secret:\n%s", all)
	}
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
	for _, want := range []string{"MIETWERK_SIM_API_SECRET_FILE", `"127.0.0.1:9090"`, `"sim-api-key"`, `"sim-store"`, "MIETWERK_SIM_STORE_ID"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %s:\n%s", want, out.String())
		}
	}
}
