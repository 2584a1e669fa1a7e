package testenv

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// clockTicks is the unit of /proc/<pid>/stat's CPU times (USER_HZ, 100 on
// Linux).
const clockTicks = 100

// PostgresCPU returns the CPU time the throwaway PostgreSQL cluster's
// processes have used so far — the postmaster with the children it has
// reaped, and every live backend and worker — read from /proc; ok is false
// when the cluster is not this process's own (MIETWERK_TEST_POSTGRES_URL)
// or /proc cannot be read. Benchmarks take the difference around a run: the
// database server's share of a booking, which getrusage of the test
// process does not count.
func PostgresCPU() (cpu time.Duration, ok bool) {
	if pgCmd == nil || pgCmd.Process == nil {
		return 0, false
	}
	root := pgCmd.Process.Pid
	own, ok := procTicks(root, true)
	if !ok {
		return 0, false
	}
	ticks := own
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, false
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == root {
			continue
		}
		if parentOf(pid) == root {
			t, _ := procTicks(pid, false)
			ticks += t
		}
	}
	return time.Duration(ticks) * time.Second / clockTicks, true
}

// statFields returns the fields of /proc/<pid>/stat after the command name
// (field 3, the state, is the first).
func statFields(pid int) []string {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}

func parentOf(pid int) int {
	f := statFields(pid)
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

// procTicks is pid's user and system time (with its reaped children's
// when children is set), in clock ticks.
func procTicks(pid int, children bool) (int64, bool) {
	f := statFields(pid)
	if len(f) < 15 { // utime, stime, cutime, cstime are fields 14–17 (index 11–14 here)
		return 0, false
	}
	var sum int64
	last := 12
	if children {
		last = 14
	}
	for _, s := range f[11 : last+1] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, false
		}
		sum += n
	}
	return sum, true
}

// PostgresCPUByKind is PostgresCPU split by the kind of process that used
// it, from each process's title ("postgres: checkpointer" → "checkpointer";
// a client's backend → "backend"; the postmaster with the children it has
// reaped — autovacuum workers among them — → "postmaster+reaped"). Live
// processes only: a backend that exited between two calls moves its time to
// "postmaster+reaped". ok as PostgresCPU.
func PostgresCPUByKind() (by map[string]time.Duration, ok bool) {
	if pgCmd == nil || pgCmd.Process == nil {
		return nil, false
	}
	root := pgCmd.Process.Pid
	own, ok := procTicks(root, true)
	if !ok {
		return nil, false
	}
	ticks := map[string]int64{"postmaster+reaped": own}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, false
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == root || parentOf(pid) != root {
			continue
		}
		t, _ := procTicks(pid, false)
		ticks[processKind(pid)] += t
	}
	by = map[string]time.Duration{}
	for k, t := range ticks {
		by[k] = time.Duration(t) * time.Second / clockTicks
	}
	return by, true
}

// processKind names a PostgreSQL child by its title: "postgres: walwriter"
// → "walwriter", "postgres: autovacuum worker db" → "autovacuum worker", a
// client's "postgres: user db 127.0.0.1(5432) idle" → "backend".
func processKind(pid int) string {
	b, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	title := strings.TrimPrefix(strings.TrimRight(string(b), "\x00"), "postgres: ")
	for _, k := range []string{"checkpointer", "background writer", "walwriter", "autovacuum launcher", "autovacuum worker", "logical replication launcher", "archiver", "stats collector"} {
		if strings.HasPrefix(title, k) {
			return k
		}
	}
	return "backend"
}
