//go:build race

package generator

// raceEnabled: the race detector allocates for its own bookkeeping, so
// memory bounds measured with MemStats get its share added.
const raceEnabled = true
