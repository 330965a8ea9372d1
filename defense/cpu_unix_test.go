//go:build unix

package defense_test

import (
	"syscall"
	"time"
)

// processCPU is the CPU time the test process has used: on a machine
// shared with other work, the assessments per CPU-second say more about
// the engine than those per wall-clock second.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
