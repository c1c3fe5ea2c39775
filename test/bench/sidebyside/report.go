package main

import (
	"bufio"
	"debug/buildinfo"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// machine is what the report says about where it ran.
type machine struct {
	cores            int
	cpuModel, memory string
	goVersion        string
	vardagRev        string
	node, peer       string
	noFsync          bool   // built with the unsafe_nofsync tag
	load             string // load average before the run
}

func machineFacts(vardagBin string, p *peer) machine {
	m := machine{cores: runtime.NumCPU(), cpuModel: "unknown", memory: "unknown", goVersion: runtime.Version(),
		vardagRev: "unknown", node: "unknown", peer: "pouchdb-server"}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.cpuModel = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if raw, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(raw), "MemTotal: %d kB", &kb); err == nil {
			m.memory = fmt.Sprintf("%.0f GiB", float64(kb)/(1<<20))
		}
	}
	if bi, err := buildinfo.ReadFile(vardagBin); err == nil {
		m.goVersion = bi.GoVersion
		for _, s := range bi.Settings {
			if s.Key == "-tags" && strings.Contains(s.Value, "unsafe_nofsync") {
				m.noFsync = true
			}
		}
	}
	// The commit the binary was built from (GOFLAGS may turn off VCS stamping).
	root := moduleRoot()
	if out, err := exec.Command("git", "-C", root, "rev-parse", "--short=12", "HEAD").Output(); err == nil {
		m.vardagRev = "commit " + strings.TrimSpace(string(out))
		if out, err := exec.Command("git", "-C", root, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(out) > 0 {
			m.vardagRev += " + uncommitted changes"
		}
	}
	if out, err := exec.Command("node", "--version").Output(); err == nil {
		m.node = strings.TrimSpace(string(out))
	}
	var w struct {
		Version  string
		Adapters []string `json:"pouchdb-adapters"`
	}
	if json.Unmarshal([]byte(p.welcome), &w) == nil && w.Version != "" {
		m.peer = fmt.Sprintf("pouchdb-server %s (store: %s, on disk)", w.Version, strings.Join(w.Adapters, ", "))
	}
	return m
}

// printReport writes the machine, the table of both servers with the ratios, and where
// the CPU time went, as Markdown.
func printReport(w io.Writer, m machine, o options, recs []record, v, p result) {
	argsSize, docSize := meanSize(recs)
	fmt.Fprintf(w, "\n## Vardag side by side with pouchdb-server (%s)\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(w, "Machine: %d cores (%s), %s RAM, %s/%s; %s (Vardag %s); node %s; %s.\n",
		m.cores, m.cpuModel, m.memory, runtime.GOOS, runtime.GOARCH, m.goVersion, m.vardagRev, m.node, m.peer)
	fmt.Fprintf(w, "Load average before the run: %s.\n", m.load)
	fmt.Fprintf(w, "Workload: %s journal notes (mean %d bytes as Vardag arguments, %d as CouchDB documents); %d concurrent writers, batches of %d; pull of the second half (%s records) in pages of %d; %d live samples. Servers and load generator share the machine.\n\n",
		thousands(v.pushed), argsSize, docSize, o.devices, o.batch, thousands(v.pulled), o.pageSize, len(v.live))

	fmt.Fprintln(w, "| operation | Vardag | pouchdb-server | ratio |")
	fmt.Fprintln(w, "|---|---:|---:|---:|")
	fmt.Fprintf(w, "| push, records/s (Vardag fsyncs before each answer; pouchdb-server does not fsync) | %s | %s | **%.1f×** |\n",
		thousands(int(v.pushRate())), thousands(int(p.pushRate())), v.pushRate()/p.pushRate())
	fmt.Fprintf(w, "| pull since checkpoint, records/s | %s | %s | **%.1f×** |\n",
		thousands(int(v.pullRate())), thousands(int(p.pullRate())), v.pullRate()/p.pullRate())
	for _, q := range []float64{0.50, 0.99} {
		vq, pq := pct(v.live, q), pct(p.live, q)
		fmt.Fprintf(w, "| live wake-up p%.0f, ms (write sent → listener has it) | %s | %s | **%.1f×** |\n",
			q*100, ms(vq), ms(pq), float64(pq)/float64(vq))
	}
	fmt.Fprintln(w, "\nratio: how many times Vardag's figure is better (throughput Vardag ÷ peer; latency peer ÷ Vardag).")

	fmt.Fprintln(w, "\nWhere the time went (CPU of the server's processes and of this load generator):")
	fmt.Fprintln(w, "\n| | Vardag | pouchdb-server |")
	fmt.Fprintln(w, "|---|---:|---:|")
	fmt.Fprintf(w, "| push wall time | %s | %s |\n", secs(v.pushWall), secs(p.pushWall))
	fmt.Fprintf(w, "| push: server CPU, µs per record | %.0f | %.0f |\n", perRecord(v.pushCPU, v.pushed), perRecord(p.pushCPU, p.pushed))
	fmt.Fprintf(w, "| push: server cores busy | %.2f | %.2f |\n", busy(v.pushCPU, v.pushWall), busy(p.pushCPU, p.pushWall))
	fmt.Fprintf(w, "| push: load generator CPU, µs per record | %.0f | %.0f |\n", perRecord(v.pushGenCPU, v.pushed), perRecord(p.pushGenCPU, p.pushed))
	if c := v.commits; c != nil && c.count > 0 {
		fmt.Fprintf(w, "| push: commits, each one fsync (pushes per commit) | %s (%.1f) | no fsync |\n", thousands(int(c.count)), c.jobs/c.count)
		fmt.Fprintf(w, "| push: mean commit, apply + fsync, ms (commit time ÷ wall) | %.2f (%.0f%%) | — |\n", 1000*c.seconds/c.count, 100*c.seconds/v.pushWall.Seconds())
	}
	fmt.Fprintf(w, "| pull wall time (pages) | %s (%d) | %s (%d) |\n", secs(v.pullWall), v.pages, secs(p.pullWall), p.pages)
	fmt.Fprintf(w, "| pull: server CPU, µs per record | %.1f | %.1f |\n", perRecord(v.pullCPU, v.pulled), perRecord(p.pullCPU, p.pulled))
	fmt.Fprintf(w, "| pull: load generator CPU (gunzip, split the JSON), µs per record | %.1f | %.1f |\n", perRecord(v.pullGenCPU, v.pulled), perRecord(p.pullGenCPU, p.pulled))
	fmt.Fprintf(w, "| pull: bytes on the wire per record | %.0f | %.0f |\n", float64(v.pullWire)/float64(v.pulled), float64(p.pullWire)/float64(p.pulled))

	ratio := v.pushRate() / p.pushRate()
	verdict := "met"
	if ratio < 4 {
		verdict = "NOT met"
	}
	fmt.Fprintf(w, "\nTarget push ≥ 4× pouchdb-server: %s (%.1f×).\n", verdict, ratio)
	fmt.Fprintln(w, "\nCaveat: pouchdb-server's LevelDB store does not fsync each write; Vardag answers a push only after its commit is fsynced.")
}

// loadAverage is the 1, 5 and 15 minute load averages.
func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(raw)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// groupCPU is the user and system CPU time of the processes in process group pgid.
func groupCPU(pgid int) time.Duration {
	const ticksPerSecond = 100 // USER_HZ on Linux
	dirs, _ := filepath.Glob("/proc/[0-9]*/stat")
	var ticks int64
	for _, path := range dirs {
		raw, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime
		_, rest, ok := strings.Cut(string(raw), ") ")
		if !ok {
			continue
		}
		f := strings.Fields(rest)
		if len(f) < 13 {
			continue
		}
		if g, _ := strconv.Atoi(f[2]); g != pgid {
			continue
		}
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += ut + st
	}
	return time.Duration(ticks) * time.Second / ticksPerSecond
}

// tail is the end of a log file, for error messages.
func tail(path string) string {
	raw, _ := os.ReadFile(path)
	if len(raw) > 2000 {
		raw = raw[len(raw)-2000:]
	}
	return string(raw)
}

func perRecord(d time.Duration, n int) float64 { return float64(d.Microseconds()) / float64(n) }
func busy(cpu, wall time.Duration) float64     { return cpu.Seconds() / wall.Seconds() }
func secs(d time.Duration) string              { return fmt.Sprintf("%.2f s", d.Seconds()) }
func ms(d time.Duration) string                { return fmt.Sprintf("%.2f", float64(d.Microseconds())/1000) }

// thousands writes n with commas: 35,400.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
