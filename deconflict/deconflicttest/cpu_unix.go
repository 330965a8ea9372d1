//go:build unix

package deconflicttest

import (
	"syscall"
	"time"
)

// ProcessCPU is the CPU time the process has used (user and system, all
// threads): on a machine shared with other work, the cost per CPU time
// says more about the matcher than the wall-clock time.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
