package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"mietwerk.dev/mietwerk/adapter/telecashsim"
	"mietwerk.dev/mietwerk/tenancy"
)

const loadUsage = `Usage: mietwerk load --url URL --key KEY [options]

Runs website visitors against a running Mietwerk server for a while and
reports what it measured: each visitor asks the booking API for the
offers of a day (GET /api/v1/availability) and books the first available
category (POST /api/v1/bookings, paid with the Telecash simulator's
approving test card). All visitors book the same pickup day (10:00 to
16:00, a weekday) until it offers nothing, then the next. Use a test key (mwk_test_…): its bookings are test
bookings, paid through the simulator and wiped under Administration →
API keys. Nothing is asserted; the figures are for docs/performance.md.

Options:
  --url URL           the server's base URL (e.g. http://127.0.0.1:8080)
  --key KEY           an API key that may book (or MIETWERK_LOAD_KEY)
  --station CODE      the pickup station (default: the first one listed)
  --duration D        how long to run (default 30s)
  --workers N         visitors at once (default 4)
  --days-ahead N      the first pickup day, in days from today (default 30)
`

// loadResult is what one run of load measured.
type loadResult struct {
	Elapsed    time.Duration
	Created    int            // bookings answered 201
	Statuses   map[int]int    // every booking answer by status
	AvailStats map[int]int    // every availability answer by status
	Errors     int            // requests without an answer
	BookMS     []float64      // latency of each booking request
	AvailMS    []float64      // latency of each availability request
	Problems   map[string]int // the problem codes of refused bookings
	Unoffered  int            // visits whose day offered nothing
	Stopped    string         // why the run ended before its time ("": it did not)
}

func cmdLoad(ctx context.Context, c *cli, args []string) int {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	base := fs.String("url", "", "")
	key := fs.String("key", "", "")
	station := fs.String("station", "", "")
	duration := fs.Duration("duration", 30*time.Second, "")
	workers := fs.Int("workers", 4, "")
	ahead := fs.Int("days-ahead", 30, "")
	if status, ok := parseFlags(c, fs, args, func(w io.Writer) { fmt.Fprint(w, loadUsage) }); !ok {
		return status
	}
	if *key == "" {
		*key = c.getenv("MIETWERK_LOAD_KEY")
	}
	switch {
	case *base == "" || *key == "":
		fmt.Fprintln(c.stderr, "mietwerk load: --url and --key (or MIETWERK_LOAD_KEY) are required")
		return exitUsage
	case *workers < 1 || *workers > 256 || *ahead < 1 || *duration <= 0:
		fmt.Fprintln(c.stderr, "mietwerk load: --workers 1–256, --days-ahead ≥ 1 and a positive --duration")
		return exitUsage
	}
	u, err := url.Parse(*base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		fmt.Fprintf(c.stderr, "mietwerk load: --url %q is no http(s) URL\n", *base)
		return exitUsage
	}
	l := &loader{base: strings.TrimRight(*base, "/"), key: *key, station: *station, ahead: *ahead,
		loc: tenancy.Station{}.Location(), client: &http.Client{Timeout: 30 * time.Second}, run: time.Now().UTC().Format("20060102T150405")}
	if l.station == "" {
		if l.station, err = l.firstStation(ctx); err != nil {
			fmt.Fprintf(c.stderr, "mietwerk load: %v\n", err)
			return exitFailed
		}
	}
	fmt.Fprintf(c.stdout, "mietwerk load: %s against %s, %d visitors at once, station %s\n", *duration, l.base, *workers, l.station)
	res := l.runFor(ctx, *duration, *workers)
	fmt.Fprint(c.stdout, res.report())
	if res.Created == 0 {
		fmt.Fprintln(c.stderr, "mietwerk load: no booking was created (see the answers above)")
		return exitFailed
	}
	return exitOK
}

// loader runs the visitors of one load run.
type loader struct {
	base, key, station, run string
	ahead                   int
	loc                     *time.Location // of the pickup times: the stations' (Europe/Berlin)
	client                  *http.Client
	next                    atomic.Int64 // the visits started
	dayIdx                  atomic.Int64 // the weekday (after ahead) being booked
	lastBooked              atomic.Int64 // the day index of the last booking
	exhausted               atomic.Bool  // 30 weekdays in a row offered nothing: the run stops
}

// firstStation returns the code of the first station the key lists.
func (l *loader) firstStation(ctx context.Context) (string, error) {
	var out struct {
		Stations []struct {
			Code string `json:"code"`
		} `json:"stations"`
	}
	if st, err := l.call(ctx, "GET", "/api/v1/stations", nil, "", &out); err != nil || st != 200 {
		return "", fmt.Errorf("listing the stations: status %d, %v", st, err)
	}
	if len(out.Stations) == 0 {
		return "", fmt.Errorf("the key lists no station")
	}
	return out.Stations[0].Code, nil
}

// day returns the pickup and return on the idx-th weekday from ahead days
// on: 10:00 to 16:00 in the stations' zone.
func (l *loader) day(idx int64) (time.Time, time.Time) {
	d := time.Now().In(l.loc).AddDate(0, 0, l.ahead)
	for i := int64(0); ; {
		if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
			if i == idx {
				break
			}
			i++
		}
		d = d.AddDate(0, 0, 1)
	}
	y, m, dd := d.Date()
	return time.Date(y, m, dd, 10, 0, 0, 0, l.loc), time.Date(y, m, dd, 16, 0, 0, 0, l.loc)
}

func (l *loader) runFor(ctx context.Context, d time.Duration, workers int) loadResult {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	res := loadResult{Statuses: map[int]int{}, AvailStats: map[int]int{}, Problems: map[string]int{}}
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && !l.exhausted.Load() {
				l.visit(ctx, &mu, &res)
			}
		}()
	}
	wg.Wait()
	res.Elapsed = time.Since(start)
	if l.exhausted.Load() {
		p, _ := l.day(l.dayIdx.Load())
		res.Stopped = fmt.Sprintf("stopped after %.1f s: no car offered on 30 weekdays in a row up to %s (cars booked up, or their HU or service due)",
			res.Elapsed.Seconds(), p.Format("02.01.2006"))
	}
	return res
}

// visit is one visitor: the day's offers, then a booking of the first
// available category. A request cut off by the end of the run counts
// nowhere.
func (l *loader) visit(ctx context.Context, mu *sync.Mutex, res *loadResult) {
	n := l.next.Add(1) - 1
	idx := l.dayIdx.Load()
	pickup, ret := l.day(idx)
	q := url.Values{"station": {l.station}, "pickup": {pickup.Format(time.RFC3339)}, "return": {ret.Format(time.RFC3339)}}
	var offers struct {
		Offers []struct {
			Available bool `json:"available"`
			Category  struct {
				Code string `json:"code"`
			} `json:"category"`
		} `json:"offers"`
	}
	t0 := time.Now()
	st, err := l.call(ctx, "GET", "/api/v1/availability?"+q.Encode(), nil, "", &offers)
	availMS := float64(time.Since(t0).Microseconds()) / 1000
	if ctx.Err() != nil {
		return
	}
	mu.Lock()
	if err != nil {
		res.Errors++
		mu.Unlock()
		return
	}
	res.AvailMS = append(res.AvailMS, availMS)
	res.AvailStats[st]++
	mu.Unlock()
	if st == http.StatusTooManyRequests { // the key's rate limit: wait as a website would
		select {
		case <-ctx.Done():
		case <-time.After(200 * time.Millisecond):
		}
		return
	}
	if st != http.StatusOK {
		return
	}
	cat := ""
	for _, o := range offers.Offers {
		if o.Available {
			cat = o.Category.Code
			break
		}
	}
	if cat == "" { // the day is full (or closed): on to the next
		l.dayIdx.CompareAndSwap(idx, idx+1)
		if idx > l.lastBooked.Load()+30 {
			l.exhausted.Store(true)
		}
		mu.Lock()
		res.Unoffered++
		mu.Unlock()
		return
	}
	email := fmt.Sprintf("load-%s-%d@example.test", l.run, n)
	body := map[string]any{
		"customer": map[string]any{"email": email, "first_name": "Lasttest", "last_name": fmt.Sprintf("Kunde %d", n),
			"street": "Teststraße 1", "postal_code": "93047", "city": "Regensburg", "birth_date": "1985-04-12", "language": "de"},
		"station": l.station, "category": cat, "pickup": pickup.Format(time.RFC3339), "return": ret.Format(time.RFC3339),
		"payment": map[string]any{"card": map[string]any{"number": telecashsim.CardApproveVisa, "exp_month": 12,
			"exp_year": time.Now().Year() + 3, "cvv": "123", "holder": "Lasttest Kunde"}},
	}
	var answer struct {
		Code string `json:"code"`
	}
	t0 = time.Now()
	st, err = l.call(ctx, "POST", "/api/v1/bookings", body, fmt.Sprintf("load-%s-%d", l.run, n), &answer)
	bookMS := float64(time.Since(t0).Microseconds()) / 1000
	if ctx.Err() != nil {
		return
	}
	mu.Lock()
	defer mu.Unlock()
	if err != nil {
		res.Errors++
		return
	}
	res.BookMS = append(res.BookMS, bookMS)
	res.Statuses[st]++
	if st == http.StatusConflict { // the last car went to another visitor
		l.dayIdx.CompareAndSwap(idx, idx+1)
	}
	if st == http.StatusCreated {
		res.Created++
		l.lastBooked.Store(max(l.lastBooked.Load(), idx))
	} else if answer.Code != "" {
		res.Problems[answer.Code]++
	}
}

// call sends one API request with the key and decodes a JSON answer into
// out (problem answers too: their code). It returns the status.
func (l *loader) call(ctx context.Context, method, path string, body any, idem string, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, l.base+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+l.key)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if idem != "" {
		req.Header.Set("Idempotency-Key", idem)
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return resp.StatusCode, err
	}
	if out != nil && len(b) > 0 {
		_ = json.Unmarshal(b, out) // a non-JSON answer leaves out empty: the status says enough
	}
	return resp.StatusCode, nil
}

// percentile returns the p-th percentile (0–100) of xs, sorted in place.
func percentile(xs []float64, p float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	slices.Sort(xs)
	i := int(p / 100 * float64(len(xs)-1))
	return xs[i]
}

func (r loadResult) report() string {
	var b strings.Builder
	secs := r.Elapsed.Seconds()
	answers := func(m map[int]int) string {
		var codes []int
		for st := range m {
			codes = append(codes, st)
		}
		slices.Sort(codes)
		var out []string
		for _, st := range codes {
			out = append(out, fmt.Sprintf("%d×%d", m[st], st))
		}
		return strings.Join(out, ", ")
	}
	fmt.Fprintf(&b, "bookings:        %d created in %.1f s = %.2f bookings/s (answers: %s; no offer on the day: %d; no answer: %d)\n",
		r.Created, secs, float64(r.Created)/secs, answers(r.Statuses), r.Unoffered, r.Errors)
	if len(r.Problems) > 0 {
		var ps []string
		for code, n := range r.Problems {
			ps = append(ps, fmt.Sprintf("%s×%d", code, n))
		}
		slices.Sort(ps)
		fmt.Fprintf(&b, "refused:         %s\n", strings.Join(ps, ", "))
	}
	fmt.Fprintf(&b, "booking ms:      p50 %.1f  p90 %.1f  p99 %.1f  (%d requests)\n",
		percentile(r.BookMS, 50), percentile(r.BookMS, 90), percentile(r.BookMS, 99), len(r.BookMS))
	fmt.Fprintf(&b, "availability ms: p50 %.1f  p90 %.1f  p99 %.1f  (%d requests, %.1f/s; answers: %s)\n",
		percentile(r.AvailMS, 50), percentile(r.AvailMS, 90), percentile(r.AvailMS, 99), len(r.AvailMS), float64(len(r.AvailMS))/secs,
		answers(r.AvailStats))
	if r.Stopped != "" {
		b.WriteString("note:            " + r.Stopped + "\n")
	}
	if r.AvailStats[http.StatusTooManyRequests] > 0 {
		b.WriteString("note:            429 = the key's rate limit: create a key for the run with mietwerk apikey create --rate-per-minute 1000000 to measure the server\n")
	}
	return b.String()
}
