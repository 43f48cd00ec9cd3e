package main

import (
	"bufio"
	"strings"
	"testing"
)

// Header names and Connection/Transfer-Encoding tokens are case-insensitive (RFC 9110 §5.1, §5.6.1, §7.6.1).
func TestRequestFramingIsCaseInsensitive(t *testing.T) {
	var h headReader
	raw := "POST /v1/chat/completions HTTP/1.1\r\nHOST: x\r\ncontent-LENGTH: 4\r\nConnection: Keep-Alive, CLOSE\r\nX-Kept: yes\r\n\r\nbody" +
		"GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n"
	br := bufio.NewReader(strings.NewReader(raw))
	req, err := readRequest(br, &h)
	if err != nil {
		t.Fatal(err)
	}
	want := "POST /v1/chat/completions HTTP/1.1\r\nHOST: x\r\nX-Kept: yes\r\nContent-Length: 4\r\n\r\nbody"
	if string(req.wire) != want {
		t.Fatalf("sent on as %q, want %q", req.wire, want)
	}
	if req.keepAlive {
		t.Fatal("a Connection header listing close must end the connection")
	}
	// The reader's buffers are reused: the second head must not show the first's lines.
	req2, err := readRequest(br, &h)
	if err != nil {
		t.Fatal(err)
	}
	if want2 := "GET /v1/models HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"; string(req2.wire) != want2 {
		t.Fatalf("second request sent on as %q, want %q", req2.wire, want2)
	}
	if !req2.keepAlive {
		t.Fatal("an HTTP/1.1 request without Connection keeps the connection")
	}
	if string(req.wire) != want {
		t.Fatalf("the first request changed after the second was read: %q", req.wire)
	}
}

func TestHasToken(t *testing.T) {
	cases := []struct {
		value, token string
		want         bool
	}{
		{"chunked", "chunked", true},
		{"gzip, Chunked", "chunked", true},
		{"notchunked", "chunked", false},
		{" close ", "close", true},
		{"keep-alive,upgrade", "close", false},
		{"", "close", false},
	}
	for _, c := range cases {
		if got := hasToken([]byte(c.value), []byte(c.token)); got != c.want {
			t.Errorf("hasToken(%q, %q) = %v, want %v", c.value, c.token, got, c.want)
		}
	}
}

func TestHeadTooLong(t *testing.T) {
	var h headReader
	raw := "GET / HTTP/1.1\r\n" + strings.Repeat("X-Filler: "+strings.Repeat("a", 1000)+"\r\n", maxHead/1000+2) + "\r\n"
	if _, err := readRequest(bufio.NewReaderSize(strings.NewReader(raw), 16<<10), &h); err != errTooLong {
		t.Fatalf("err = %v, want %v", err, errTooLong)
	}
}
