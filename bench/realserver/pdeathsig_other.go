//go:build !linux

package realserver

import "os/exec"

// setParentDeathSignal does nothing here: Stop must run to stop the
// servers.
func setParentDeathSignal(cmd *exec.Cmd) {}
