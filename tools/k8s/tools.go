//go:build tools

// Package tools pins the Kubernetes control plane the cluster test tier runs:
// kube-apiserver, kube-controller-manager and kube-scheduler from k8s.io/kubernetes, whose
// staging modules are replaced by their published versions (its go.mod points
// them at ./staging, which a module download does not have).
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
