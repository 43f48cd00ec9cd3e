package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// listening is the router's traffic port under test, as a URL.
type listening struct{ URL string }

// serve starts the router under test on a loopback port with the given backends.
func serve(t *testing.T, backends ...backendSpec) (*router, *listening) {
	t.Helper()
	r := newRouter()
	r.setBackends(backends)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = r.serveTraffic(ln) }()
	t.Cleanup(func() {
		_ = ln.Close()
		r.closeIdle()
	})
	return r, &listening{URL: "http://" + ln.Addr().String()}
}

// refusedAddr is a loopback address nothing listens on: a dial to it is refused.
func refusedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// closer accepts connections, reads the request's head, and closes without answering,
// as a replica does with a keep-alive connection it has just dropped. It counts connections.
func closer(t *testing.T) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	var n atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			_, _ = http.ReadRequest(bufio.NewReader(c))
			_ = c.Close()
		}
	}()
	return ln.Addr().String(), &n
}

// answering is a backend that answers every request with 200 and its name, counting them.
func answering(t *testing.T, name string) (string, *atomic.Int64) {
	t.Helper()
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		n.Add(1)
		body, _ := io.ReadAll(req.Body)
		fmt.Fprintf(w, "%s got %s", name, body)
	}))
	t.Cleanup(srv.Close)
	return srv.Listener.Addr().String(), &n
}

func post(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Post(url+"/v1/chat/completions", "application/json", strings.NewReader(`{"stream":true}`))
	if err != nil {
		t.Fatalf("POST through the router: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func TestRetryOnAnotherReplicaAfterAClosedConnection(t *testing.T) {
	for _, tc := range []struct {
		name string
		bad  func(t *testing.T) (string, *atomic.Int64)
	}{
		{"refused dial", func(t *testing.T) (string, *atomic.Int64) { return refusedAddr(t), nil }},
		{"connection closed before an answer", closer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			badAddr, badConns := tc.bad(t)
			goodAddr, served := answering(t, "good")
			r, srv := serve(t, backendSpec{Name: "bad", Addr: badAddr}, backendSpec{Name: "good", Addr: goodAddr})
			// Ties are broken round-robin, so among 4 requests some meet the bad replica first.
			const requests = 4
			for i := 0; i < requests; i++ {
				resp, body := post(t, srv.URL)
				if resp.StatusCode != http.StatusOK || body != `good got {"stream":true}` {
					t.Fatalf("request %d: %d %q, want 200 from the good replica with the body sent again whole", i, resp.StatusCode, body)
				}
			}
			bad := r.known["bad"].routed.Load()
			if served.Load() != requests || bad == 0 || r.retries.Load() != bad || r.upstreamErrors.Load() != 0 {
				t.Fatalf("good served %d, bad tried %d, retries %d, upstream errors %d: want %d served, every bad attempt retried, no error",
					served.Load(), bad, r.retries.Load(), r.upstreamErrors.Load(), requests)
			}
			if badConns != nil && badConns.Load() != bad {
				t.Fatalf("the closing replica saw %d connections for %d attempts", badConns.Load(), bad)
			}
		})
	}
}

func TestGivesUpWith502AfterThreeAttempts(t *testing.T) {
	for _, tc := range []struct {
		name string
		bad  func(t *testing.T) (string, *atomic.Int64)
	}{
		{"refused dial", func(t *testing.T) (string, *atomic.Int64) { return refusedAddr(t), nil }},
		{"connection closed before an answer", closer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, conns := tc.bad(t)
			r, srv := serve(t, backendSpec{Name: "r0", Addr: addr})
			resp, body := post(t, srv.URL)
			if resp.StatusCode != http.StatusBadGateway || resp.Header.Get(routerHeader) != "upstream" {
				t.Fatalf("got %d with %s=%q, want 502 marked upstream", resp.StatusCode, routerHeader, resp.Header.Get(routerHeader))
			}
			if !strings.Contains(body, "router: replica r0: ") {
				t.Fatalf("body %q does not name the replica", body)
			}
			if got := r.known["r0"].routed.Load(); got != 3 {
				t.Fatalf("%d attempts, want 3 (the first and two retries)", got)
			}
			if r.retries.Load() != 2 || r.upstreamErrors.Load() != 1 {
				t.Fatalf("retries %d, upstream errors %d, want 2 and 1", r.retries.Load(), r.upstreamErrors.Load())
			}
			if conns != nil && conns.Load() != 3 {
				t.Fatalf("the replica saw %d connections, want 3", conns.Load())
			}
			if n := r.known["r0"].inFlight.Load(); n != 0 {
				t.Fatalf("%d still counted in flight", n)
			}
		})
	}
}

// A burst of aborted streams leaves several pooled connections the replica has closed:
// the retry must not take the next of them but dial afresh.
func TestRetryDialsAfreshWhenThePoolHoldsClosedConnections(t *testing.T) {
	const pooled = 3
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var arrived atomic.Int64
	all := make(chan struct{})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				// The first request on a connection is answered once all `pooled` have arrived
				// (so the router holds that many connections); the next one finds it closed.
				req, err := http.ReadRequest(br)
				if err != nil {
					return
				}
				_, _ = io.Copy(io.Discard, req.Body)
				if n := arrived.Add(1); n == pooled {
					close(all)
				}
				<-all
				_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
				_, _ = http.ReadRequest(br)
			}()
		}
	}()
	r, srv := serve(t, backendSpec{Name: "r0", Addr: ln.Addr().String()})
	var burst sync.WaitGroup
	for i := 0; i < pooled; i++ {
		burst.Add(1)
		go func() {
			defer burst.Done()
			if resp, body := post(t, srv.URL); resp.StatusCode != http.StatusOK || body != "ok" {
				t.Errorf("burst: %d %q", resp.StatusCode, body)
			}
		}()
	}
	burst.Wait()
	resp, body := post(t, srv.URL)
	if resp.StatusCode != http.StatusOK || body != "ok" {
		t.Fatalf("after the burst: %d %q, want 200 on a fresh connection", resp.StatusCode, body)
	}
	if r.retries.Load() != 1 {
		t.Fatalf("%d retries, want 1: the first attempt meets a closed connection, the retry dials", r.retries.Load())
	}
}

// A replica that sent its headers could have done the work: whatever happens to the
// body, the request is not sent again.
func TestNoRetryOnceTheReplicaAnswered(t *testing.T) {
	for _, tc := range []struct{ name, head, body, mark string }{
		{"stream cut after its first chunk", "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n", "c\r\ndata: one\n\n\r\n", ""},
		{"headers only, then closed", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", "", ""},
		{"the replica's own error", "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\n", "oops", ""},
		// The replica wrote something, so it may have done the work: a 502 of the router's, not a retry.
		{"a malformed answer", "garbage\r\n\r\n", "", "upstream"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			var conns atomic.Int64
			go func() {
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					conns.Add(1)
					_, _ = http.ReadRequest(bufio.NewReader(c))
					_, _ = io.WriteString(c, tc.head+tc.body)
					_ = c.Close()
				}
			}()
			other, served := answering(t, "other")
			r, srv := serve(t, backendSpec{Name: "answered", Addr: ln.Addr().String()}, backendSpec{Name: "other", Addr: other})
			// Round-robin: of two requests, one goes to the replica that answers and closes.
			for i := 0; i < 2; i++ {
				resp, _ := http.Post(srv.URL+"/v1/chat/completions", "application/json", strings.NewReader("{}"))
				if resp != nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if m := resp.Header.Get(routerHeader); m != "" && m != tc.mark {
						t.Fatalf("request %d: %s=%q, want %q", i, routerHeader, m, tc.mark)
					}
				}
			}
			if conns.Load() != 1 || served.Load() != 1 || r.retries.Load() != 0 {
				t.Fatalf("answering replica saw %d connections, the other served %d, retries %d: want 1, 1, 0", conns.Load(), served.Load(), r.retries.Load())
			}
		})
	}
}

func TestRouterMadeErrorsCarryTheHeaderAndReplicaErrorsDoNot(t *testing.T) {
	t.Run("no ready replica", func(t *testing.T) {
		r, srv := serve(t)
		resp, body := post(t, srv.URL)
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get(routerHeader) != "unavailable" || !strings.Contains(body, "no ready replica") {
			t.Fatalf("got %d %s=%q %q, want 503 marked unavailable", resp.StatusCode, routerHeader, resp.Header.Get(routerHeader), body)
		}
		if r.unavailable.Load() != 1 {
			t.Fatalf("unavailable counted %d times", r.unavailable.Load())
		}
	})
	t.Run("a replica's own 502", func(t *testing.T) {
		replica := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "replica overloaded", http.StatusBadGateway)
		}))
		defer replica.Close()
		r, srv := serve(t, backendSpec{Name: "r0", Addr: replica.Listener.Addr().String()})
		resp, body := post(t, srv.URL)
		if resp.StatusCode != http.StatusBadGateway || resp.Header.Get(routerHeader) != "" || body != "replica overloaded\n" {
			t.Fatalf("got %d %s=%q %q, want the replica's 502 passed through unmarked", resp.StatusCode, routerHeader, resp.Header.Get(routerHeader), body)
		}
		if r.retries.Load() != 0 || r.upstreamErrors.Load() != 0 {
			t.Fatalf("retries %d, upstream errors %d for an answer", r.retries.Load(), r.upstreamErrors.Load())
		}
	})
}

// A client that leaves mid-stream: a drain replica streams to its end with its request
// never cancelled; any other replica sees its request cancelled.
func TestAbandonedStream(t *testing.T) {
	const chunks = 30
	for _, tc := range []struct {
		name  string
		drain bool
	}{{"drain replica reads it to its end", true}, {"other replica is cut off", false}} {
		t.Run(tc.name, func(t *testing.T) {
			sent := make(chan int, 1)
			cancelled := make(chan bool, 1)
			replica := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				w.Header().Set("Content-Type", "text/event-stream")
				w.WriteHeader(http.StatusOK)
				i := 0
				for ; i < chunks && req.Context().Err() == nil; i++ {
					if _, err := fmt.Fprintf(w, "data: %d\n\n", i); err != nil {
						break
					}
					w.(http.Flusher).Flush()
					time.Sleep(10 * time.Millisecond)
				}
				sent <- i
				cancelled <- req.Context().Err() != nil
			}))
			defer replica.Close()
			r, srv := serve(t, backendSpec{Name: "r0", Addr: replica.Listener.Addr().String(), Drain: tc.drain})

			c, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.WriteString(c, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
			br := bufio.NewReader(c)
			for {
				line, err := br.ReadString('\n')
				if err != nil {
					t.Fatalf("reading the stream: %v", err)
				}
				if strings.HasPrefix(line, "data: 0") {
					break
				}
			}
			_ = c.Close() // the client leaves after the first token

			var n int
			select {
			case n = <-sent:
			case <-time.After(10 * time.Second):
				t.Fatal("the replica's handler never returned")
			}
			wasCancelled := <-cancelled
			if tc.drain && (n != chunks || wasCancelled) {
				t.Fatalf("drain replica sent %d of %d chunks, cancelled %v: want the whole stream, never cancelled", n, chunks, wasCancelled)
			}
			if !tc.drain && n == chunks {
				t.Fatalf("the replica sent all %d chunks to a client that had left", chunks)
			}
			deadline := time.Now().Add(5 * time.Second)
			for r.known["r0"].inFlight.Load() != 0 {
				if time.Now().After(deadline) {
					t.Fatal("the request stayed counted in flight")
				}
				time.Sleep(5 * time.Millisecond)
			}
			wantAbandoned := int64(0)
			if tc.drain {
				wantAbandoned = 1
			}
			if r.abandoned.Load() != wantAbandoned || r.retries.Load() != 0 {
				t.Fatalf("abandoned %d, retries %d: want %d and 0", r.abandoned.Load(), r.retries.Load(), wantAbandoned)
			}
		})
	}
}
