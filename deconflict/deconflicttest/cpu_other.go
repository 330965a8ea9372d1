//go:build !unix

package deconflicttest

import "time"

// ProcessCPU is zero where the platform does not tell.
func ProcessCPU() time.Duration { return 0 }
