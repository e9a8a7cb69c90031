package fsutil

import (
	"errors"
	"fmt"
)

// ErrNotPrivate is wrapped by every refusal of a file or directory hermes
// trusts: a symlink, another user's file, one others can write.
var ErrNotPrivate = errors.New("not private")

// NotPrivateError is such a refusal: the path, what is wrong with it and
// the command that fixes it.
type NotPrivateError struct {
	Path    string
	Problem string // "is a symlink", "is writable by other users (mode 0777)"
	Fix     string // "chmod go-w PATH"
	Dir     bool
}

func (e *NotPrivateError) Error() string {
	why := "another user could have planted or changed it"
	if e.Dir {
		why = "another user could plant or swap the files in it"
	}
	if e.Problem == "is a symlink" {
		why = "hermes never follows a symlink for a file it writes or trusts"
	}
	return fmt.Sprintf("%s %s; hermes refuses it (%s): check it, then run: %s", e.Path, e.Problem, why, e.Fix)
}

func (e *NotPrivateError) Unwrap() error { return ErrNotPrivate }

// IsNotPrivate reports whether err is such a refusal.
func IsNotPrivate(err error) bool { return errors.Is(err, ErrNotPrivate) }
