package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/node"
)

const benchUsage = `Usage: kizuna bench gen|ingest [flags]

  gen     write a synthetic bundle of indicators to stdout
  ingest  measure import and export on a fresh data directory

Run 'kizuna bench SUBCOMMAND -h' for the flags of a subcommand.`

func runBench(ctx context.Context, e *env, args []string) error {
	if handled, err := groupUsage(e, args, benchUsage); handled {
		return err
	}
	switch args[0] {
	case "gen":
		return runBenchGen(ctx, e, args[1:])
	case "ingest":
		return runBenchIngest(ctx, e, args[1:])
	default:
		return &exitError{code: 2, msg: fmt.Sprintf("kizuna bench: unknown subcommand %q (want gen or ingest)", args[0])}
	}
}

// runBenchGen writes a synthetic bundle to stdout.
func runBenchGen(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("bench gen", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna bench gen [--objects N] [--seed N] > bundle.json")
	fs.SetOutput(e.stderr)
	n := fs.Int("objects", 100_000, "number of indicators")
	seed := fs.Uint64("seed", 1, "random seed")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	return writeSyntheticBundle(e.stdout, *n, *seed)
}

// runBenchIngest measures import (parse, validate, label, store) and export
// throughput on a fresh data directory, and the process's peak memory.
func runBenchIngest(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("bench ingest", flag.ContinueOnError)
	fs.Usage = usageFunc(fs, "Usage: kizuna bench ingest [--objects N] [--dir DIR] [--cpuprofile FILE]")
	fs.SetOutput(e.stderr)
	n := fs.Int("objects", 100_000, "number of indicator-sized objects")
	dir := fs.String("dir", "", "working directory (default: a temporary one, removed afterwards)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the import to this file")
	if err := parseFlags(e, fs, args); err != nil {
		return err
	}
	work := *dir
	if work == "" {
		tmp, err := os.MkdirTemp("", "kizuna-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		work = tmp
	}
	data := filepath.Join(work, "data")
	if _, err := node.Init(ctx, node.Config{Dir: data}, node.InitOptions{Nation: "USA"}); err != nil {
		return err
	}
	nd, err := openNode(ctx, node.Config{Dir: data})
	if err != nil {
		return err
	}
	defer nd.Close()
	if err := nd.Bootstrap(ctx, false); err != nil {
		return err
	}

	bundle := filepath.Join(work, "bundle.json")
	f, err := os.Create(bundle)
	if err != nil {
		return err
	}
	if err := writeSyntheticBundle(f, *n, 1); err != nil {
		return err
	}
	st, _ := f.Stat()
	f.Close()

	if *cpuprofile != "" {
		pf, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
	}
	var sum importSummary
	start, cpu0 := time.Now(), processCPU()
	err = importFile(ctx, e, nd, node.DefaultAlias, bundle, false, &sum)
	importDur, importCPU := time.Since(start), processCPU()-cpu0
	importRSS := maxRSS()
	if *cpuprofile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return err
	}
	if sum.rejected > 0 {
		return fmt.Errorf("bench: %d synthetic objects rejected", sum.rejected)
	}

	admin, err := nd.Store.FindPrincipalByName(ctx, node.AdminName)
	if err != nil {
		return err
	}
	collections, err := nd.Store.FindCollections(ctx)
	if err != nil {
		return err
	}
	cw := &countingWriter{}
	start = time.Now()
	ectx := kizuna.NewContextWithPrincipal(ctx, admin)
	meta := &kizuna.MetaLookup{Objects: nd.Guard, Collections: collections}
	if err := node.WriteBundle(ectx, cw, nd.Guard, kizuna.ObjectFilter{
		Collection: node.DefaultAlias, Versions: kizuna.VersionMatch{All: true}, IncludeRaw: true, Limit: 1000,
	}, meta); err != nil {
		return err
	}
	exportDur := time.Since(start)

	fmt.Fprintf(e.stdout, "machine: %s/%s, %d CPU, %s\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), runtime.Version())
	fmt.Fprintf(e.stdout, "bundle: %d objects, %.1f MB\n", *n, float64(st.Size())/1e6)
	fmt.Fprintf(e.stdout, "import: %d objects in %v: %.0f objects/s (parse, validate, label, store)\n",
		sum.accepted, importDur.Round(time.Millisecond), float64(sum.accepted)/importDur.Seconds())
	fmt.Fprintf(e.stdout, "import CPU (user and system, all threads): %.1f s, %.1f µs/object\n",
		importCPU.Seconds(), importCPU.Seconds()*1e6/float64(max(sum.accepted, 1)))
	fmt.Fprintf(e.stdout, "export: %d objects (%.1f MB) in %v: %.0f objects/s (through the access guard)\n",
		cw.objects(), float64(cw.n)/1e6, exportDur.Round(time.Millisecond), float64(cw.objects())/exportDur.Seconds())
	fmt.Fprintf(e.stdout, "peak memory of the import (max RSS when it ended): %.0f MB\n", float64(importRSS)/1e6)
	fmt.Fprintf(e.stdout, "peak memory of the process, export included (max RSS): %.0f MB\n", float64(maxRSS())/1e6)
	return nil
}

// countingWriter counts bytes and objects (one per line) of an export.
type countingWriter struct {
	n     int64
	lines int64
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	for _, b := range p {
		if b == '\n' {
			w.lines++
		}
	}
	return len(p), nil
}

// objects is the number of objects written: node.WriteBundle puts a newline
// before each object and two after the last ("\n]}\n").
func (w *countingWriter) objects() int64 { return max(w.lines-2, 0) }

// processCPU returns the CPU time (user and system) the process has used.
// On a shared machine the wall-clock rate varies with the load; the CPU
// per object much less.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// maxRSS returns the process's peak resident set size in bytes.
func maxRSS() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Maxrss * 1024 // kilobytes on Linux
}

var _ io.Writer = (*countingWriter)(nil)
