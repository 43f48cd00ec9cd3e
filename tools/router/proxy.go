package main

// The data plane: a plain HTTP/1.1 proxy that reads only what it must. A
// request's head is parsed for its framing (Content-Length, Connection) and
// sent on with its body; the replica's response head is parsed for its
// framing and sent back as it came, and the body is relayed read by read —
// each read from the replica written to the client at once, chunked framing
// passed through untouched and only followed to find the response's end. No
// header maps, no re-chunking, one buffer per connection: what net/http's
// server and transport cost a streamed request (two parses, two framings,
// allocations per request) is left out.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// maxHead bounds a request's or response's head.
const maxHead = 64 << 10

// conn is a replica connection in a backend's pool.
type conn struct {
	net.Conn
	br   *bufio.Reader
	head headReader   // the replica's response heads, read into one reused buffer
	out  bytes.Buffer // the response head as it is sent on to the client
}

type pool struct {
	mu   sync.Mutex
	idle []*conn
}

func (p *pool) get() *conn {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.idle); n > 0 {
		c := p.idle[n-1]
		p.idle = p.idle[:n-1]
		return c
	}
	return nil
}

func (p *pool) put(c *conn) {
	p.mu.Lock()
	p.idle = append(p.idle, c)
	p.mu.Unlock()
}

// closeIdle drops every idle connection: after one failed, the others may have been closed by the replica too.
func (p *pool) closeIdle() {
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, c := range idle {
		_ = c.Close()
	}
}

var bufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// request is a parsed client request: its head as it will be sent on, and its body.
type request struct {
	wire      []byte // the request as it is sent on: request line, end-to-end headers, Content-Length, CRLF CRLF, body
	keepAlive bool
}

var (
	crlf       = []byte("\r\n")
	tokClose   = []byte("close")
	tokKeep    = []byte("keep-alive")
	tokChunked = []byte("chunked")
	hdrLength  = []byte("content-length")
	hdrTE      = []byte("transfer-encoding")
	hdrConn    = []byte("connection")
	hopByHop   = [][]byte{[]byte("connection"), []byte("proxy-connection"), []byte("keep-alive"), []byte("te"), []byte("trailer"), []byte("upgrade"), []byte("transfer-encoding"), []byte("content-length")}
	errTooLong = errors.New("head too long")
)

// headReader reads heads into buffers it keeps for the next one: a
// connection's heads cost no allocation once its first is read. The lines it
// returns are valid until its next read.
type headReader struct {
	data  []byte
	ends  []int
	lines [][]byte
}

// read reads a head (request or status line and headers) up to its empty line.
func (h *headReader) read(br *bufio.Reader) ([][]byte, error) {
	h.data, h.ends = h.data[:0], h.ends[:0]
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				return nil, errTooLong
			}
			return nil, err
		}
		if len(h.data)+len(line) > maxHead {
			return nil, errTooLong
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			if len(h.ends) == 0 {
				continue // a stray CRLF between requests
			}
			break
		}
		h.data = append(h.data, line...)
		h.ends = append(h.ends, len(h.data))
	}
	h.lines = h.lines[:0]
	start := 0
	for _, end := range h.ends {
		h.lines = append(h.lines, h.data[start:end:end])
		start = end
	}
	return h.lines, nil
}

// headerName splits a header line into its name and value, both trimmed; names compare case-insensitively.
func headerName(line []byte) ([]byte, []byte, bool) {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return nil, nil, false
	}
	return bytes.TrimSpace(line[:i]), bytes.TrimSpace(line[i+1:]), true
}

func isHop(name []byte) bool {
	for _, h := range hopByHop {
		if bytes.EqualFold(name, h) {
			return true
		}
	}
	return false
}

// hasToken reports whether a comma-separated header value lists token (case-insensitive, RFC 9110 §5.6.1).
func hasToken(value, token []byte) bool {
	for len(value) > 0 {
		item := value
		if i := bytes.IndexByte(value, ','); i >= 0 {
			item, value = value[:i], value[i+1:]
		} else {
			value = nil
		}
		if bytes.EqualFold(bytes.TrimSpace(item), token) {
			return true
		}
	}
	return false
}

// readRequest reads one request: its head (hop-by-hop headers dropped,
// Content-Length set) and its whole body (small JSON; read whole so that a
// request that meets a pooled connection the replica closed can be sent again).
func readRequest(br *bufio.Reader, h *headReader) (*request, error) {
	lines, err := h.read(br)
	if err != nil {
		return nil, err
	}
	parts := bytes.SplitN(lines[0], []byte(" "), 3)
	if len(parts) != 3 || !bytes.HasPrefix(parts[2], []byte("HTTP/1.")) {
		return nil, fmt.Errorf("malformed request line %q", lines[0])
	}
	req := &request{keepAlive: !bytes.Equal(parts[2], []byte("HTTP/1.0"))}
	length := 0
	var head bytes.Buffer
	head.Write(parts[0])
	head.WriteByte(' ')
	head.Write(parts[1])
	head.WriteString(" HTTP/1.1\r\n")
	for _, l := range lines[1:] {
		name, value, ok := headerName(l)
		if !ok {
			return nil, fmt.Errorf("malformed header %q", l)
		}
		switch {
		case bytes.EqualFold(name, hdrLength):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return nil, fmt.Errorf("bad Content-Length %q", value)
			}
		case bytes.EqualFold(name, hdrTE):
			return nil, errors.New("chunked request bodies are not supported: send Content-Length")
		case bytes.EqualFold(name, hdrConn):
			if hasToken(value, tokClose) {
				req.keepAlive = false
			} else if hasToken(value, tokKeep) {
				req.keepAlive = true
			}
		}
		if isHop(name) {
			continue
		}
		head.Write(l)
		head.Write(crlf)
	}
	head.WriteString("Content-Length: ")
	head.WriteString(strconv.Itoa(length))
	head.WriteString("\r\n\r\n")
	n := head.Len()
	head.Grow(length)
	wire := head.Bytes()[:n+length]
	if _, err := io.ReadFull(br, wire[n:]); err != nil {
		return nil, err
	}
	req.wire = wire
	return req, nil
}

// serve answers one client connection's requests, one at a time, until it closes.
func (r *router) serveConn(c net.Conn) {
	defer c.Close()
	br := bufio.NewReaderSize(c, 16<<10)
	var h headReader
	for {
		req, err := readRequest(br, &h)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && !errors.Is(err, syscall.ECONNRESET) {
				writeError(c, 400, "bad_request", "router: "+err.Error(), false)
			}
			return
		}
		if !r.handle(c, req) || !req.keepAlive {
			return
		}
	}
}

// handle routes one request; it reports whether the client connection can take another.
func (r *router) handle(c net.Conn, req *request) bool {
	r.routed.Add(1)
	for attempt := 0; ; attempt++ {
		b := r.pick()
		if b == nil {
			r.unavailable.Add(1)
			return writeError(c, 503, "unavailable", "router: no ready replica", req.keepAlive)
		}
		b.inFlight.Add(1)
		ok, retry, failed := r.forward(c, req, b, attempt)
		// Counted out before the client can see the answer: whoever reads /stats after a reply sees it settled.
		b.inFlight.Add(-1)
		if failed != nil {
			r.upstreamErrors.Add(1)
			return writeError(c, 502, "upstream", fmt.Sprintf("router: replica %s: %v", b.Name, failed), req.keepAlive)
		}
		if !retry {
			return ok
		}
		r.retries.Add(1)
	}
}

// forward sends one attempt to b and relays its response. retry: the replica
// cannot have seen the request (a refused dial, or a pooled connection it had
// closed), so it may be sent again. ok: the client connection can go on.
// failed: the replica could not be reached and the client has had no answer yet.
func (r *router) forward(c net.Conn, req *request, b *backend, attempt int) (ok, retry bool, failed error) {
	b.routed.Add(1)

	bc := b.pool.get()
	if bc == nil {
		nc, err := net.DialTimeout("tcp", b.Addr, 5*time.Second)
		if err != nil {
			return r.upstreamFailed(b, attempt, err)
		}
		bc = &conn{Conn: nc, br: bufio.NewReaderSize(nc, 16<<10)}
	}
	// One write: the head and body were read into one buffer (net.Buffers on the
	// pool's wrapper would not reach writev and cost a syscall per part).
	if _, err := bc.Conn.Write(req.wire); err != nil {
		_ = bc.Close()
		return r.upstreamFailed(b, attempt, err)
	}
	lines, err := bc.head.read(bc.br)
	if err != nil {
		_ = bc.Close()
		return r.upstreamFailed(b, attempt, err)
	}
	// The replica answered: from here on the request is never sent again.
	status := lines[0]
	code := 0
	if f := bytes.Fields(status); len(f) >= 2 {
		code, _ = strconv.Atoi(string(f[1]))
	}
	chunked, length, replicaKeeps := false, -1, true
	head := &bc.out
	head.Reset()
	head.Write(status)
	head.Write(crlf)
	for _, l := range lines[1:] {
		name, value, ok := headerName(l)
		if !ok {
			continue
		}
		switch {
		case bytes.EqualFold(name, hdrTE):
			chunked = hasToken(value, tokChunked)
		case bytes.EqualFold(name, hdrLength):
			length, _ = strconv.Atoi(string(value))
		case bytes.EqualFold(name, hdrConn):
			replicaKeeps = !hasToken(value, tokClose)
		}
		if isHop(name) && !bytes.EqualFold(name, hdrTE) && !bytes.EqualFold(name, hdrLength) {
			continue
		}
		head.Write(l)
		head.Write(crlf)
	}
	noBody := code/100 == 1 || code == 204 || code == 304
	untilClose := !noBody && !chunked && length < 0
	clientKeeps := req.keepAlive && !untilClose
	if !clientKeeps {
		head.WriteString("Connection: close\r\n")
	}
	head.Write(crlf)

	drain := b.drain.Load()
	clientGone := false
	// The head goes with the first body bytes (one write): they are usually read with
	// it, and a client times a stream by its first token, never by its head.
	pending := head.Bytes()
	send := func(p []byte) {
		if clientGone {
			return
		}
		var err error
		if pending != nil {
			_, err = (&net.Buffers{pending, p}).WriteTo(c)
			pending = nil
		} else {
			_, err = c.Write(p)
		}
		if err != nil {
			clientGone = true
			if drain {
				r.abandoned.Add(1)
			}
		}
	}
	var rerr error
	switch {
	case noBody:
		send(nil)
	case chunked:
		rerr = relayChunked(bc.br, send, func() bool { return clientGone && !drain })
	case length >= 0:
		rerr = relayN(bc.br, int64(length), send, func() bool { return clientGone && !drain })
	default:
		rerr = relayN(bc.br, -1, send, func() bool { return clientGone && !drain })
	}
	if pending != nil {
		send(nil) // an empty body: the head alone
	}
	switch {
	case rerr == nil && replicaKeeps && !untilClose:
		b.pool.put(bc)
	default:
		_ = bc.Close()
		if rerr != nil && !errors.Is(rerr, errClientGone) {
			r.upstreamErrors.Add(1)
			// The response is cut: the client must not wait for more of it.
			return false, false, nil
		}
	}
	return clientKeeps && !clientGone, false, nil
}

var errClientGone = errors.New("client gone")

// relayN copies n bytes (n < 0: until EOF) from the replica, each read sent at once.
func relayN(br *bufio.Reader, n int64, send func([]byte), cut func() bool) error {
	bp := bufs.Get().(*[]byte)
	defer bufs.Put(bp)
	buf := *bp
	for n != 0 {
		want := int64(len(buf))
		if n > 0 && n < want {
			want = n
		}
		k, err := br.Read(buf[:want])
		if k > 0 {
			send(buf[:k])
			if n > 0 {
				n -= int64(k)
			}
			if cut() {
				return errClientGone
			}
		}
		if err != nil {
			if n < 0 && errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
	return nil
}

// relayChunked copies a chunked body as it arrives, each read sent at once,
// following its framing (size line, data, CRLF; a zero size, trailers, CRLF)
// only to know where it ends.
func relayChunked(br *bufio.Reader, send func([]byte), cut func() bool) error {
	bp := bufs.Get().(*[]byte)
	defer bufs.Put(bp)
	buf := *bp
	const (
		sizeLine = iota
		data
		dataEnd
		trailer
	)
	state, remaining := sizeLine, int64(0)
	var line []byte // a size or trailer line split across reads
	for {
		k, err := br.Read(buf)
		p := buf[:k]
		done := false
		for i := 0; i < len(p) && !done; {
			switch state {
			case sizeLine, trailer:
				j := bytes.IndexByte(p[i:], '\n')
				if j < 0 {
					line = append(line, p[i:]...)
					i = len(p)
					continue
				}
				line = append(line, p[i:i+j]...)
				i += j + 1
				text := bytes.TrimSpace(line)
				line = line[:0]
				if state == trailer {
					if len(text) == 0 {
						done = true
					}
					continue
				}
				if semi := bytes.IndexByte(text, ';'); semi >= 0 {
					text = text[:semi]
				}
				size, perr := strconv.ParseInt(string(text), 16, 64)
				if perr != nil || size < 0 {
					return fmt.Errorf("malformed chunk size %q", text)
				}
				if size == 0 {
					state = trailer
				} else {
					state, remaining = data, size
				}
			case data:
				take := int64(len(p) - i)
				if take > remaining {
					take = remaining
				}
				i += int(take)
				remaining -= take
				if remaining == 0 {
					state = dataEnd
				}
			case dataEnd:
				j := bytes.IndexByte(p[i:], '\n')
				if j < 0 {
					i = len(p)
					continue
				}
				i += j + 1
				state = sizeLine
			}
		}
		if k > 0 {
			send(p)
			if cut() {
				return errClientGone
			}
		}
		if done {
			return nil
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return io.ErrUnexpectedEOF
			}
			return err
		}
	}
}

// upstreamFailed decides after a failed attempt: retry when the replica cannot
// have seen the request, else fail it (the caller answers 502).
func (r *router) upstreamFailed(b *backend, attempt int, err error) (ok, retry bool, failed error) {
	if attempt < maxRetries && retryable(err) {
		// The pool may hold more connections the replica has closed (a burst of
		// aborted streams closes several at once): retry on fresh ones.
		b.pool.closeIdle()
		return false, true, nil
	}
	return false, false, err
}

// writeError answers with an error the router made itself; it reports whether the connection can go on.
func writeError(w io.Writer, status int, kind, msg string, keepAlive bool) bool {
	body, _ := json.Marshal(map[string]any{"error": map[string]string{"message": msg, "type": kind}})
	closing := ""
	if !keepAlive {
		closing = "Connection: close\r\n"
	}
	text := map[int]string{400: "Bad Request", 502: "Bad Gateway", 503: "Service Unavailable"}[status]
	_, err := fmt.Fprintf(w, "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n%s: %s\r\nContent-Length: %d\r\n%s\r\n%s", status, text, routerHeader, kind, len(body), closing, body)
	return err == nil && keepAlive
}

// serveTraffic accepts client connections until the listener closes.
func (r *router) serveTraffic(ln net.Listener) error {
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetNoDelay(true)
		}
		go r.serveConn(c)
	}
}

// closeIdle drops every backend's idle connections.
func (r *router) closeIdle() {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, b := range r.known {
		b.pool.closeIdle()
	}
}
