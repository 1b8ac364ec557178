// Command loadgen is an open-loop, constant-rate HTTP load generator.
//
// Every target has its own arrival rate. Request i of a target is scheduled at start + i/rate and
// sent at that time whatever happened to the earlier ones (no waiting for responses), each on its own
// goroutine. Latency is measured from the scheduled time, not from the moment the request was
// actually sent, so a stalled server or a late generator is charged for the queueing it causes
// (no coordinated omission). The plan is read as JSON on stdin; results go to stdout (text or JSON).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sort"
	"sync"
	"time"
)

// Target is one endpoint driven at its own rate.
type Target struct {
	Name    string            `json:"name"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers"`
	Rate    float64           `json:"rate"`  // requests per second
	Group   string            `json:"group"` // targets sharing a group also get a combined summary
}

// Plan is the whole run: every target runs concurrently for Warmup+Duration seconds.
type Plan struct {
	Targets  []Target `json:"targets"`
	Duration float64  `json:"duration"` // measured seconds
	Warmup   float64  `json:"warmup"`   // seconds at the same rates before measuring (not recorded)
	Timeout  float64  `json:"timeout"`  // per-request timeout, seconds
}

type sample struct {
	latency time.Duration // completion - scheduled
	lag     time.Duration // actual send - scheduled (generator lateness)
	status  int           // 0: transport error or timeout
	bytes   int64
	done    bool
}

// Summary is one target's (or the overall) result.
type Summary struct {
	Name        string  `json:"name"`
	Rate        float64 `json:"rate"`
	Scheduled   int     `json:"scheduled"`
	Completed   int     `json:"completed"`
	Errors      int     `json:"errors"`
	Achieved    float64 `json:"achieved_rps"` // successful responses / measured seconds
	P50         float64 `json:"p50_ms"`
	P90         float64 `json:"p90_ms"`
	P99         float64 `json:"p99_ms"`
	P999        float64 `json:"p999_ms"`
	Max         float64 `json:"max_ms"`
	Mean        float64 `json:"mean_ms"`
	MaxLag      float64 `json:"max_send_lag_ms"`
	MeanBytes   float64 `json:"mean_bytes"`
	FirstStatus string  `json:"first_error,omitempty"`
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	// nearest-rank: the smallest value with at least q of the samples at or below it
	rank := int(q*float64(len(sorted))+0.999999999) - 1
	if rank < 0 {
		rank = 0
	}
	if rank >= len(sorted) {
		rank = len(sorted) - 1
	}
	return sorted[rank]
}

func summarize(name string, rate float64, samples []sample, seconds float64, firstErr string) Summary {
	lat := make([]time.Duration, 0, len(samples))
	s := Summary{Name: name, Rate: rate, Scheduled: len(samples), FirstStatus: firstErr}
	var total time.Duration
	var bytes int64
	ok := 0
	for _, x := range samples {
		if !x.done {
			continue
		}
		s.Completed++
		if x.lag > 0 && ms(x.lag) > s.MaxLag {
			s.MaxLag = ms(x.lag)
		}
		if x.status >= 200 && x.status < 300 {
			ok++
		} else {
			s.Errors++
		}
		// every completed request counts in the latency distribution, errors included
		lat = append(lat, x.latency)
		total += x.latency
		bytes += x.bytes
	}
	s.Errors += s.Scheduled - s.Completed
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	if len(lat) > 0 {
		s.P50, s.P90, s.P99 = ms(percentile(lat, .50)), ms(percentile(lat, .90)), ms(percentile(lat, .99))
		s.P999, s.Max = ms(percentile(lat, .999)), ms(lat[len(lat)-1])
		s.Mean = ms(total) / float64(len(lat))
		s.MeanBytes = float64(bytes) / float64(len(lat))
	}
	s.Achieved = float64(ok) / seconds
	return s
}

type runner struct {
	client  *http.Client
	start   time.Time
	warmup  time.Duration
	mu      sync.Mutex
	firstEr map[string]string
}

func (r *runner) note(name, msg string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.firstEr[name]; !ok {
		r.firstEr[name] = msg
	}
}

// drive schedules the target's requests and returns the measured samples (warmup dropped).
func (r *runner) drive(t Target, total time.Duration, wg *sync.WaitGroup) []sample {
	n := int(t.Rate * total.Seconds())
	samples := make([]sample, n)
	interval := time.Duration(float64(time.Second) / t.Rate)
	req, err := http.NewRequest(http.MethodGet, t.URL, nil)
	if err != nil {
		fmt.Fprintf(os.Stderr, "loadgen: %s: %v\n", t.Name, err)
		os.Exit(2)
	}
	for k, v := range t.Headers {
		req.Header.Set(k, v)
	}
	for i := 0; i < n; i++ {
		scheduled := r.start.Add(time.Duration(i) * interval)
		if wait := time.Until(scheduled); wait > 0 {
			time.Sleep(wait)
		}
		wg.Add(1)
		go func(i int, scheduled time.Time) {
			defer wg.Done()
			sent := time.Now()
			resp, err := r.client.Do(req.Clone(req.Context()))
			x := sample{lag: sent.Sub(scheduled), done: true}
			if err != nil {
				r.note(t.Name, err.Error())
			} else {
				x.bytes, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil {
					r.note(t.Name, err.Error())
				} else {
					x.status = resp.StatusCode
					if resp.StatusCode < 200 || resp.StatusCode >= 300 {
						r.note(t.Name, resp.Status)
					}
				}
			}
			x.latency = time.Since(scheduled)
			samples[i] = x
		}(i, scheduled)
	}
	// the caller waits on wg before reading; drop the requests scheduled during warmup
	skip := int(t.Rate * r.warmup.Seconds())
	if skip > n {
		skip = n
	}
	return samples[skip:]
}

// groups lists the group names shared by at least two targets, in plan order.
func groups(targets []Target) []string {
	count := map[string]int{}
	var names []string
	for _, t := range targets {
		if t.Group == "" {
			continue
		}
		if count[t.Group] == 0 {
			names = append(names, t.Group)
		}
		count[t.Group]++
	}
	var shared []string
	for _, g := range names {
		if count[g] > 1 {
			shared = append(shared, g)
		}
	}
	return shared
}

func main() {
	asJSON := flag.Bool("json", false, "print results as JSON")
	flag.Parse()
	var plan Plan
	if err := json.NewDecoder(os.Stdin).Decode(&plan); err != nil {
		fmt.Fprintf(os.Stderr, "loadgen: plan on stdin: %v\n", err)
		os.Exit(2)
	}
	if plan.Duration <= 0 || len(plan.Targets) == 0 {
		fmt.Fprintln(os.Stderr, "loadgen: plan needs targets and a positive duration")
		os.Exit(2)
	}
	if plan.Timeout <= 0 {
		plan.Timeout = 10
	}
	transport := &http.Transport{
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        4096,
		MaxIdleConnsPerHost: 4096, // open loop: as many connections as requests in flight
		IdleConnTimeout:     60 * time.Second,
		DisableCompression:  true,
	}
	r := &runner{
		client:  &http.Client{Transport: transport, Timeout: time.Duration(plan.Timeout * float64(time.Second))},
		warmup:  time.Duration(plan.Warmup * float64(time.Second)),
		firstEr: map[string]string{},
	}
	total := time.Duration((plan.Warmup + plan.Duration) * float64(time.Second))
	r.start = time.Now().Add(50 * time.Millisecond)
	var wg sync.WaitGroup
	results := make([][]sample, len(plan.Targets))
	var sched sync.WaitGroup
	for i, t := range plan.Targets {
		sched.Add(1)
		go func(i int, t Target) {
			defer sched.Done()
			results[i] = r.drive(t, total, &wg)
		}(i, t)
	}
	sched.Wait()
	wg.Wait()
	wall := time.Since(r.start)

	out := struct {
		Duration float64   `json:"duration"`
		Wall     float64   `json:"wall_seconds"`
		Targets  []Summary `json:"targets"`
	}{Duration: plan.Duration, Wall: wall.Seconds()}
	for i, t := range plan.Targets {
		out.Targets = append(out.Targets, summarize(t.Name, t.Rate, results[i], plan.Duration, r.firstEr[t.Name]))
	}
	for _, g := range groups(plan.Targets) {
		var merged []sample
		rate := 0.0
		for i, t := range plan.Targets {
			if t.Group == g {
				merged = append(merged, results[i]...)
				rate += t.Rate
			}
		}
		out.Targets = append(out.Targets, summarize("group:"+g, rate, merged, plan.Duration, ""))
	}
	if *asJSON {
		_ = json.NewEncoder(os.Stdout).Encode(out)
		return
	}
	fmt.Printf("%-28s %7s %8s %7s %7s %7s %7s %7s %6s %8s\n", "target", "rate", "achieved", "p50", "p90", "p99", "max", "lag", "errors", "bytes")
	for _, s := range out.Targets {
		fmt.Printf("%-28s %7.1f %8.1f %7.1f %7.1f %7.1f %7.1f %7.1f %6d %8.0f\n", s.Name, s.Rate, s.Achieved,
			s.P50, s.P90, s.P99, s.Max, s.MaxLag, s.Errors, s.MeanBytes)
	}
}
