//go:build unix

package route_test

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the test process has used (user and system,
// all threads, the garbage collector's included): on a shared machine the
// notices per CPU-second say more about routing than those per wall-clock
// second.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
