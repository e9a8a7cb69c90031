//go:build !unix

package sysprompt

import "errors"

func mkfifo(string) error { return errors.New("no FIFOs here") }
