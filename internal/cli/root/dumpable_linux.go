package root

import "golang.org/x/sys/unix"

// undumpable clears hermes's dumpable flag: /proc/<pid>/environ, mem,
// maps and ptrace are then closed to every process of the same user that
// lacks CAP_SYS_PTRACE, hermes's own children included (they become
// dumpable again when they exec). Core dumps are off too.
func undumpable() error { return unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0) }
