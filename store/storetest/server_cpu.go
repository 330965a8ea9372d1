package storetest

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// ServerCPU measures the CPU time a PostgreSQL server on this machine
// spends for a benchmark: that of the backends of the benchmark's
// connections (named by their application_name) and of the WAL writer,
// checkpointer and background writer, which every writer shares; not that
// of autovacuum, which comes and goes, nor of other clients' backends.
// On a shared machine the wall clock varies with the load; the CPU per
// unit of work much less.
type ServerCPU struct {
	dsn, app string
	before   map[int]int64
}

// StartServerCPU takes the snapshot later calls of Since count from.
func StartServerCPU(dsn, app string) *ServerCPU {
	return &ServerCPU{dsn: dsn, app: app, before: serverProcesses()}
}

// Since returns the server CPU time since the snapshot.
func (s *ServerCPU) Since() (time.Duration, error) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.dsn)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1
		OR backend_type IN ('walwriter', 'checkpointer', 'background writer')`, s.app)
	if err != nil {
		return 0, err
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return 0, err
	}
	after := serverProcesses()
	var ticks int64
	for _, pid := range pids {
		ticks += after[int(pid)] - s.before[int(pid)]
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}

// serverProcesses returns the CPU time (user and system, in the kernel's
// ticks of 10 ms) of every process named postgres on this machine, by pid.
func serverProcesses() map[int]int64 {
	out := map[int]int64{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(stat)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open || s[open+1:end] != "postgres" {
			continue
		}
		f := strings.Fields(s[end+1:])
		if len(f) < 13 {
			continue
		}
		// utime and stime are fields 14 and 15 of stat; f starts at field 3.
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		out[pid] = u + st
	}
	return out
}
