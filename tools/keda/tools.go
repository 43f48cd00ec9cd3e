//go:build tools

// Package tools pins the KEDA the cluster test tier runs: its operator
// (cmd/operator: the ScaledObject controller, the polling loop and the metrics
// gRPC service) and its metrics API server (cmd/adapter: external.metrics.k8s.io),
// from github.com/kedacore/keda/v2 v2.21.0 at the module proxy.
package tools

import (
	_ "github.com/kedacore/keda/v2/cmd/adapter"
	_ "github.com/kedacore/keda/v2/cmd/operator"
)
