package authstore

import "github.com/hermes-agent/hermes/internal/fsutil"

// SetBeforeRename makes s's next writes run h between the synced temp
// file and the rename (nil: no hook), to simulate a crash there.
func SetBeforeRename(s *Store, h func(tmp string) error) {
	s.writer = &fsutil.Writer{BeforeRename: h}
}
