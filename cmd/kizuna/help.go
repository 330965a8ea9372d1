package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
)

// errHelp is what a command returns after printing the usage it was asked
// for (-h, --help, help): run answers it as a success.
var errHelp = errors.New("usage printed on request")

// isHelp reports whether a command-line argument asks for usage.
func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help" || arg == "help"
}

// parseFlags parses a command's flags. Asked for help (-h, --help), it
// prints the usage to stdout and returns errHelp; on a bad flag it prints
// the error and the usage to stderr and returns exit status 2. The flag
// set's Usage must write to fs.Output().
func parseFlags(e *env, fs *flag.FlagSet, args []string) error {
	var buf bytes.Buffer
	fs.SetOutput(&buf)
	err := fs.Parse(args)
	fs.SetOutput(e.stderr)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		e.stdout.Write(buf.Bytes())
		return errHelp
	default:
		e.stderr.Write(buf.Bytes())
		return &exitError{code: 2}
	}
}

// usageFunc returns a flag set's Usage: the synopsis, then the flags.
func usageFunc(fs *flag.FlagSet, synopsis string) func() {
	return func() {
		fmt.Fprintln(fs.Output(), synopsis)
		if hasFlags(fs) {
			fmt.Fprintln(fs.Output(), "\nFlags:")
			fs.PrintDefaults()
		}
	}
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// groupUsage answers a command group (kizuna peer, kizuna principal, ...)
// called without a subcommand, or asked for help: usage to stderr with exit
// status 2, or to stdout and errHelp. handled is false when args name a
// subcommand for the caller to run.
func groupUsage(e *env, args []string, usage string) (handled bool, err error) {
	if len(args) == 0 {
		fmt.Fprintln(e.stderr, usage)
		return true, &exitError{code: 2}
	}
	if isHelp(args[0]) {
		fmt.Fprintln(e.stdout, usage)
		return true, errHelp
	}
	return false, nil
}
