//go:build tools

// Package tools pins kwok for the cluster test tier: it makes the pods of a
// Deployment Running without a kubelet.
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
