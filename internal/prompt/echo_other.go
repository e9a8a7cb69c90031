//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package prompt

import "errors"

// noEcho is not available here; Password then uses x/term's ReadPassword.
func noEcho(int) (func(), error) { return nil, errors.ErrUnsupported }
