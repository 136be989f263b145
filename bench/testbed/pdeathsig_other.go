//go:build !linux

package testbed

import "os/exec"

// setParentDeathSignal does nothing here: the child stops when its stdin
// closes, which happens when the parent exits.
func setParentDeathSignal(cmd *exec.Cmd) {}
