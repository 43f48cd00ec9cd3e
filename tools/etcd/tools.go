//go:build tools

// Package tools pins etcd for the cluster test tier (scripts/setup-cluster).
// server/go.mod replaces its sibling modules with relative paths, which only a
// wrapper module like this one can build.
package tools

import _ "go.etcd.io/etcd/server/v3"
