//go:build !unix

package stix

import (
	"testing"
	"time"
)

// cpuTime is not measured on this platform.
func cpuTime() time.Duration { return 0 }

// reportCPU reports nothing where CPU time is not measured.
func reportCPU(b *testing.B, start time.Duration, ops int) {}
