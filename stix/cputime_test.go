//go:build unix

package stix

import (
	"syscall"
	"testing"
	"time"
)

// cpuTime returns the CPU time the test process has used. Benchmarks report
// it per operation besides wall time, because on a shared machine the wall
// time per operation includes time spent waiting for a core.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU nanoseconds per operation since start, and the
// operations per CPU second.
func reportCPU(b *testing.B, start time.Duration, ops int) {
	used := cpuTime() - start
	if used <= 0 || ops == 0 {
		return
	}
	b.ReportMetric(float64(used.Nanoseconds())/float64(ops), "cpu-ns/op")
	b.ReportMetric(float64(ops)/used.Seconds(), "ops/cpu-s")
}
