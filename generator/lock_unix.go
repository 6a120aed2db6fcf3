//go:build unix

package generator

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// lockOutput takes the exclusive lock of the output folder base in parent:
// an flock on the file .<base>.errpages.lock beside it, which the kernel
// releases when the process ends, however it ends. When another build holds
// it, lockOutput fails if noWait, and otherwise calls waiting once and waits
// until the lock is free or ctx ends.
func lockOutput(ctx context.Context, parent, base string, noWait bool, waiting func()) (unlock func(), err error) {
	name := beside(parent, base, ".lock")
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("%s: cannot lock the output folder: %w", filepath.Join(parent, base), err)
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for told := false; ; {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return func() { f.Close() }, nil // closing releases the lock
		}
		if !errors.Is(err, unix.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("%s: cannot lock the output folder: %w", filepath.Join(parent, base), err)
		}
		if noWait {
			f.Close()
			return nil, fmt.Errorf("%s: another errpages build is writing this output folder", filepath.Join(parent, base))
		}
		if !told && waiting != nil {
			waiting()
			told = true
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-tick.C:
		}
	}
}
