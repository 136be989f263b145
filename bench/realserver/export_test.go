package realserver

// RemoveStaleForTest exposes removeStale to the external tests.
var RemoveStaleForTest = removeStale
