// Command scalebench-router spreads OpenAI-compatible requests over the local
// target's ready replicas: least requests in flight, ties broken round-robin.
// Responses are streamed through as they arrive, each read from the replica
// written to the client at once, so server-sent tokens reach the client when
// the replica sends them. The data plane is a plain HTTP/1.1 proxy (proxy.go);
// the admin API uses net/http.
//
// It runs as its own process so that the harness's own work (sampling, files,
// garbage collection) never stalls a stream being measured.
//
// For a backend marked "drain", a request whose client goes away is not cut off at
// the replica: the router reads the rest of the response and drops it. The
// simulator (llm-d-inference-sim v0.10.2) keeps generating a request whose
// client disconnected, and its stream goroutine then writes an error into the
// fasthttp RequestCtx the server has already recycled for another connection
// (pkg/communication/http.go chunkSendFailed after sendStream's pipe breaks),
// so an unrelated later request on that replica ends with EOF. Draining keeps
// the replica's connection whole; the request costs the replica what it costs
// anyway, and it stays counted in flight until the replica has finished it.
// Errors the router makes itself carry the header X-Scalebench-Router
// (unavailable: no ready replica; upstream: the replica could not be reached).
//
// Admin API (on --admin):
//
//	PUT /backends  [{"name":"pod-0","addr":"127.0.0.1:8001","drain":true}, ...]  replaces the routable set
//	GET /stats     {"routed":..,"unavailable":..,"upstream_errors":..,"retries":..,"abandoned":..,"backends":{"pod-0":{"in_flight":..,"routed":..}}}
//	GET /healthz
//	GET /debug/pprof/…   Go's profiler (CPU: /debug/pprof/profile?seconds=N)
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// backendSpec is one entry of PUT /backends.
type backendSpec struct {
	Name  string `json:"name"`
	Addr  string `json:"addr"`
	Drain bool   `json:"drain"`
}

type backend struct {
	Name string
	Addr string
	// Drain: finish reading a response whose client went away (see the package comment).
	drain    atomic.Bool
	inFlight atomic.Int64
	routed   atomic.Int64
	pool     pool // idle connections to the replica
}

type router struct {
	mu       sync.RWMutex
	routable []*backend
	known    map[string]*backend // every backend seen, so in-flight counts outlive removal
	next     atomic.Uint64

	routed, unavailable, upstreamErrors, retries, abandoned atomic.Int64
}

func newRouter() *router {
	return &router{known: map[string]*backend{}}
}

// pick returns the routable backend with the fewest requests in flight.
func (r *router) pick() *backend {
	r.mu.RLock()
	defer r.mu.RUnlock()
	n := len(r.routable)
	if n == 0 {
		return nil
	}
	start := int(r.next.Add(1) % uint64(n))
	var best *backend
	for i := 0; i < n; i++ {
		b := r.routable[(start+i)%n]
		if best == nil || b.inFlight.Load() < best.inFlight.Load() {
			best = b
		}
	}
	return best
}

func (r *router) setBackends(list []backendSpec) {
	r.mu.Lock()
	defer r.mu.Unlock()
	routable := make([]*backend, 0, len(list))
	for _, b := range list {
		k, ok := r.known[b.Name]
		if !ok || k.Addr != b.Addr {
			k = &backend{Name: b.Name, Addr: b.Addr}
			r.known[b.Name] = k
		}
		k.drain.Store(b.Drain)
		routable = append(routable, k)
	}
	r.routable = routable
}

// routerHeader marks a response the router made itself, with its kind.
const routerHeader = "X-Scalebench-Router"

// maxRetries: attempts after the first for a request that never reached a replica.
const maxRetries = 2

// retryable: the connection failed before the replica could have answered
// (a reused idle connection it closed, or a refused dial).
func retryable(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE)
}

func (r *router) admin() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	// Go's profiler, for `npm run bench` and anyone asking where the router's time goes.
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/backends", func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPut {
			http.Error(w, "use PUT", http.StatusMethodNotAllowed)
			return
		}
		var list []backendSpec
		if err := json.NewDecoder(req.Body).Decode(&list); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.setBackends(list)
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("/stats", func(w http.ResponseWriter, _ *http.Request) {
		type bs struct {
			InFlight int64 `json:"in_flight"`
			Routed   int64 `json:"routed"`
		}
		r.mu.RLock()
		backends := make(map[string]bs, len(r.known))
		for name, b := range r.known {
			backends[name] = bs{InFlight: b.inFlight.Load(), Routed: b.routed.Load()}
		}
		r.mu.RUnlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"routed": r.routed.Load(), "unavailable": r.unavailable.Load(),
			"upstream_errors": r.upstreamErrors.Load(), "retries": r.retries.Load(), "abandoned": r.abandoned.Load(), "backends": backends,
		})
	})
	return mux
}

func main() {
	listen := flag.String("listen", "127.0.0.1:0", "address for proxied traffic")
	adminAddr := flag.String("admin", "127.0.0.1:0", "address for the admin API")
	flag.Parse()
	log.SetFlags(log.LstdFlags | log.Lmicroseconds)

	r := newRouter()
	trafficLn, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatalf("listen %s: %v", *listen, err)
	}
	adminLn, err := net.Listen("tcp", *adminAddr)
	if err != nil {
		log.Fatalf("admin listen %s: %v", *adminAddr, err)
	}
	adm := &http.Server{Handler: r.admin(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = r.serveTraffic(trafficLn) }()
	go func() { _ = adm.Serve(adminLn) }()
	// One line on stdout tells the harness where we listen.
	fmt.Printf("{\"listen\":%q,\"admin\":%q}\n", trafficLn.Addr().String(), adminLn.Addr().String())
	_ = os.Stdout.Sync()

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
	_ = trafficLn.Close()
	_ = adm.Close()
}
