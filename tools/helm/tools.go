//go:build tools

// Package tools pins Helm, which the chart tests run (`helm lint`, `helm template`) and the cluster tier installs
// with. scripts/setup-helm builds it into .tools/bin/helm:
//
//	go build -ldflags "-X helm.sh/helm/v3/internal/version.version=v3.22.0" helm.sh/helm/v3/cmd/helm
package tools

import (
	_ "helm.sh/helm/v3/cmd/helm"
)
